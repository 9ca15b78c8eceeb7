import Pcap
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Streams one interface's packets into a pcap file stamped with the scenario's start time plus
/// simulated time. The bytes are exactly what `PcapWriter` writes (classic pcap, nanosecond
/// magic, little-endian, snapshot length 262144, LINKTYPE_RAW); a test compares them.
///
/// Unlike a `PcapWriter` per interface (a descriptor and a 1 MiB buffer each), a sink buffers a
/// few KiB (up to 32 KiB on a busy interface) and borrows a descriptor from a `CaptureFilePool`
/// only while writing; the pool closes the least recently used file when it is full, and the file
/// is reopened for appending. A write error is kept and reported by `close`. The headers are
/// `PcapFormat`'s, as `PcapWriter`'s are.
public final class PcapFileCaptureSink: CaptureSink {
    public let path: String
    private let startUnixNanoseconds: Int64
    private let pool: CaptureFilePool
    /// Pending bytes: `used` of `capacity` at `storage` (grown by doubling, like an array, but
    /// written without an array's uniqueness and capacity checks per append).
    private var storage: UnsafeMutableRawPointer
    private var capacity = 256
    private var used = 0
    fileprivate var descriptor: Int32 = -1
    private var firstError: PcapError?
    private var frames = 0
    private var closed = false
    /// Buffered bytes that trigger a write: 8 KiB at first, doubling with every flush up to
    /// 32 KiB. Kept small on purpose: a run writes four or more busy captures, and 256 KiB each
    /// streamed a megabyte through the core's 1 MiB L2 between reuses, evicting the per-peer
    /// state every packet needs; one more write(2) per 32 KiB costs far less.
    private var flushBytes = 8192
    static let maximumFlushBytes = 32 << 10

    /// Creates (truncates) the file and writes the pcap header; throws if it cannot be created.
    /// Sinks of one run share the run's `pool`; a sink made alone gets a pool of its own (one
    /// open file), so no state is shared between runs.
    public init(path: String, startUnixNanoseconds: Int64, pool: CaptureFilePool = CaptureFilePool(limit: 1)) throws {
        self.path = path
        self.startUnixNanoseconds = startUnixNanoseconds
        self.pool = pool
        storage = .allocate(byteCount: capacity, alignment: 16)
        PcapFormat.storeFileHeader(linkType: 101, at: storage)   // LINKTYPE_RAW
        used = PcapFormat.fileHeaderLength
        try open(flags: O_WRONLY | O_CREAT | O_TRUNC)
        writeBuffer()
        if let firstError { throw firstError }
    }

    deinit {
        try? close()
        storage.deallocate()
    }

    public func capture(time: Int64, packet: [UInt8]) {
        guard !closed, firstError == nil else { return }
        frames += 1
        let (timestamp, overflow) = startUnixNanoseconds.addingReportingOverflow(time)
        guard !overflow, PcapFormat.timestampFits(timestamp), packet.count <= Int(PcapFormat.snapshotLength) else {
            firstError = PcapError(path: path, frame: frames,
                                   "packet at \(timestamp) ns, \(packet.count) bytes, does not fit a pcap record")
            return
        }
        reserve(PcapFormat.recordHeaderLength + packet.count)
        PcapFormat.storeRecordHeader(timestamp: timestamp, length: packet.count, at: storage + used)
        used += PcapFormat.recordHeaderLength
        packet.withUnsafeBytes { bytes in
            if let base = bytes.baseAddress { (storage + used).copyMemory(from: base, byteCount: bytes.count) }
        }
        used += packet.count
        if used >= flushBytes {
            flush()
            // A busy interface earns a larger buffer (fewer write calls); a quiet one stays small.
            flushBytes = min(flushBytes * 2, Self.maximumFlushBytes)
        }
    }

    /// Writes what is buffered and closes the file; throws the first error met.
    public func close() throws {
        if !closed {
            flush()
            closed = true
            pool.release(self)
            closeDescriptor()
        }
        if let firstError { throw firstError }
    }

    private func flush() {
        guard used > 0, firstError == nil else { return }
        if descriptor < 0 {
            do { try open(flags: O_WRONLY | O_APPEND) } catch { return }
        } else {
            pool.touch(self)
        }
        writeBuffer()
    }

    private func open(flags: Int32) throws {
        pool.acquire(self)
        let fd = Glibc.open(path, flags, 0o644)
        guard fd >= 0 else {
            pool.release(self)
            let error = PcapError(path: path, "cannot open for writing: \(String(cString: strerror(errno)))")
            if firstError == nil { firstError = error }
            used = 0
            throw error
        }
        descriptor = fd
    }

    private func writeBuffer() {
        defer { used = 0 }
        guard descriptor >= 0 else { return }
        let base = storage
        var done = 0
        while done < used {
            let n = write(descriptor, base + done, used - done)
            if n < 0 {
                if errno == EINTR { continue }
                firstError = PcapError(path: path, frame: frames, "write failed: \(String(cString: strerror(errno)))")
                return
            }
            done += n
        }
    }

    /// Makes room for `extra` more bytes.
    private func reserve(_ extra: Int) {
        guard used + extra > capacity else { return }
        var grown = capacity * 2
        while grown < used + extra { grown *= 2 }
        let fresh = UnsafeMutableRawPointer.allocate(byteCount: grown, alignment: 16)
        fresh.copyMemory(from: storage, byteCount: used)
        storage.deallocate()
        storage = fresh
        capacity = grown
    }

    fileprivate func closeDescriptor() {
        if descriptor >= 0 {
            _ = Glibc.close(descriptor)
            descriptor = -1
        }
    }
}

/// A bound on the capture files open at once: sinks acquire a slot before opening their file,
/// and when every slot is taken the least recently used sink's file is closed.
public final class CaptureFilePool {
    private let limit: Int
    private var open: [PcapFileCaptureSink] = []   // least recently used first

    public init(limit: Int) {
        self.limit = max(1, limit)
    }

    fileprivate func acquire(_ sink: PcapFileCaptureSink) {
        release(sink)
        if open.count >= limit {
            open.removeFirst().closeDescriptor()
        }
        open.append(sink)
    }

    fileprivate func touch(_ sink: PcapFileCaptureSink) {
        guard open.last !== sink else { return }
        release(sink)
        open.append(sink)
    }

    fileprivate func release(_ sink: PcapFileCaptureSink) {
        if let position = open.lastIndex(where: { $0 === sink }) { open.remove(at: position) }
    }
}
