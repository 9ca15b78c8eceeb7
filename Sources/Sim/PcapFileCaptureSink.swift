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
/// few KiB (up to 256 KiB on a busy interface) and borrows a descriptor from a `CaptureFilePool`
/// only while writing; the pool closes the least recently used file when it is full, and the file
/// is reopened for appending. A write error is kept and reported by `close`. The headers are
/// `PcapFormat`'s, as `PcapWriter`'s are.
public final class PcapFileCaptureSink: CaptureSink {
    public let path: String
    private let startUnixNanoseconds: Int64
    private let pool: CaptureFilePool
    private var buffer: [UInt8] = []
    fileprivate var descriptor: Int32 = -1
    private var firstError: PcapError?
    private var frames = 0
    private var closed = false
    /// Buffered bytes that trigger a write: 8 KiB at first, doubling with every flush.
    private var flushBytes = 8192
    static let maximumFlushBytes = 256 << 10

    /// Creates (truncates) the file and writes the pcap header; throws if it cannot be created.
    public init(path: String, startUnixNanoseconds: Int64, pool: CaptureFilePool = .shared) throws {
        self.path = path
        self.startUnixNanoseconds = startUnixNanoseconds
        self.pool = pool
        buffer = [UInt8](repeating: 0, count: PcapFormat.fileHeaderLength)
        buffer.withUnsafeMutableBytes { raw in
            if let base = raw.baseAddress { PcapFormat.storeFileHeader(linkType: 101, at: base) }   // LINKTYPE_RAW
        }
        try open(flags: O_WRONLY | O_CREAT | O_TRUNC)
        writeBuffer()
        if let firstError { throw firstError }
    }

    deinit { try? close() }

    public func capture(time: Int64, packet: [UInt8]) {
        guard !closed, firstError == nil else { return }
        frames += 1
        let timestamp = startUnixNanoseconds + time
        guard PcapFormat.timestampFits(timestamp), packet.count <= Int(PcapFormat.snapshotLength) else {
            firstError = PcapError(path: path, frame: frames,
                                   "packet at \(timestamp) ns, \(packet.count) bytes, does not fit a pcap record")
            return
        }
        var header: (UInt64, UInt64) = (0, 0)
        withUnsafeMutableBytes(of: &header) { raw in
            if let base = raw.baseAddress { PcapFormat.storeRecordHeader(timestamp: timestamp, length: packet.count, at: base) }
        }
        withUnsafeBytes(of: header) { buffer.append(contentsOf: $0) }
        buffer.append(contentsOf: packet)
        if buffer.count >= flushBytes {
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
        guard !buffer.isEmpty, firstError == nil else { return }
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
            buffer.removeAll()
            throw error
        }
        descriptor = fd
    }

    private func writeBuffer() {
        defer { buffer.removeAll(keepingCapacity: true) }
        guard descriptor >= 0 else { return }
        buffer.withUnsafeBytes { bytes in
            guard let base = bytes.baseAddress else { return }
            var done = 0
            while done < bytes.count {
                let n = write(descriptor, base + done, bytes.count - done)
                if n < 0 {
                    if errno == EINTR { continue }
                    firstError = PcapError(path: path, frame: frames, "write failed: \(String(cString: strerror(errno)))")
                    return
                }
                done += n
            }
        }
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
    /// The pool sinks use unless given another: 256 open files.
    public static let shared = CaptureFilePool(limit: 256)

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
