import Pcap
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes one pcap file per interface (`DIR/NODE-IFACE.pcap`) for runs with many nodes, without
/// holding a file descriptor and a large buffer per interface: each interface buffers a little
/// in memory, and at most `maxOpenFiles` files are open at once (the least recently written is
/// closed first; a file is reopened for appending). A hub with 100,000 peers has 200,000
/// interfaces, far above the usual descriptor limit.
///
/// The bytes are exactly what `PcapWriter` writes (classic pcap, nanosecond magic, little-endian,
/// snapshot length 262144, LINKTYPE_RAW), so files from either compare equal.
public final class PcapCaptureDirectory {
    public let directory: String
    private let startUnixNanoseconds: Int64
    private let maxOpenFiles: Int
    private let bufferBytes: Int
    private var sinks: [PcapDirectorySink] = []
    private var openSinks: [PcapDirectorySink] = []   // least recently flushed first
    private(set) var failure: PcapError?
    private var closed = false

    public init(directory: String, startUnixNanoseconds: Int64, maxOpenFiles: Int = 256, bufferBytes: Int = 16_384) {
        self.directory = directory
        self.startUnixNanoseconds = startUnixNanoseconds
        self.maxOpenFiles = max(1, maxOpenFiles)
        self.bufferBytes = max(4096, bufferBytes)
    }

    deinit { try? close() }

    /// The sink for interface `name` (e.g. `server-eth0`), writing `DIR/name.pcap`. Usable as a
    /// `CaptureSinkFactory`.
    public func sink(named name: String) -> CaptureSink {
        let sink = PcapDirectorySink(path: directory + "/" + name + ".pcap", owner: self,
                                     startUnixNanoseconds: startUnixNanoseconds, bufferBytes: bufferBytes)
        sinks.append(sink)
        return sink
    }

    /// Flushes every interface, writes the header-only file of any that saw no packet, closes
    /// everything; throws the first error met during the run.
    public func close() throws {
        if !closed {
            closed = true
            for sink in sinks { flush(sink, closing: true) }
            openSinks.removeAll()
        }
        if let failure { throw failure }
    }

    func fail(_ error: PcapError) {
        if failure == nil { failure = error }
    }

    /// Writes the sink's buffer to its file, opening (and first creating) it as needed.
    func flush(_ sink: PcapDirectorySink, closing: Bool = false) {
        if sink.descriptor < 0 && (!sink.buffer.isEmpty || !sink.created) {
            if openSinks.count >= maxOpenFiles, let oldest = openSinks.first {
                openSinks.removeFirst()
                oldest.closeDescriptor()
            }
            if sink.openFile(failure: fail) { openSinks.append(sink) }
        } else if sink.descriptor >= 0, let position = openSinks.firstIndex(where: { $0 === sink }) {
            openSinks.remove(at: position)
            openSinks.append(sink)
        }
        sink.writeBuffer(failure: fail)
        if closing {
            sink.closeDescriptor()
        }
    }
}

/// One interface's capture inside a `PcapCaptureDirectory`.
final class PcapDirectorySink: CaptureSink {
    let path: String
    private unowned let owner: PcapCaptureDirectory
    private let startUnixNanoseconds: Int64
    private let bufferBytes: Int
    fileprivate(set) var buffer: [UInt8] = []
    fileprivate(set) var descriptor: Int32 = -1
    fileprivate(set) var created = false
    private var frames = 0

    init(path: String, owner: PcapCaptureDirectory, startUnixNanoseconds: Int64, bufferBytes: Int) {
        self.path = path
        self.owner = owner
        self.startUnixNanoseconds = startUnixNanoseconds
        self.bufferBytes = bufferBytes
    }

    func capture(time: Int64, packet: [UInt8]) {
        frames += 1
        let timestamp = startUnixNanoseconds + time
        guard timestamp >= 0, timestamp / 1_000_000_000 <= Int64(UInt32.max),
              packet.count <= Int(PcapWriter.snapshotLength) else {
            owner.fail(PcapError(path: path, frame: frames, "packet at \(timestamp) ns, \(packet.count) bytes, does not fit a pcap record"))
            return
        }
        Self.append32(UInt32(timestamp / 1_000_000_000), to: &buffer)
        Self.append32(UInt32(timestamp % 1_000_000_000), to: &buffer)
        Self.append32(UInt32(packet.count), to: &buffer)
        Self.append32(UInt32(packet.count), to: &buffer)
        buffer.append(contentsOf: packet)
        if buffer.count >= bufferBytes { owner.flush(self) }
    }

    /// Opens the file: created with the pcap header the first time, appended to afterwards.
    fileprivate func openFile(failure: (PcapError) -> Void) -> Bool {
        let flags = created ? (O_WRONLY | O_APPEND) : (O_WRONLY | O_CREAT | O_TRUNC)
        let fd = open(path, flags, 0o644)
        guard fd >= 0 else {
            failure(PcapError(path: path, "cannot open for writing: \(String(cString: strerror(errno)))"))
            buffer.removeAll()
            return false
        }
        descriptor = fd
        if !created {
            created = true
            var header: [UInt8] = []
            Self.append32(0xa1b2_3c4d, to: &header)          // nanosecond-resolution magic
            Self.append32(2 | 4 << 16, to: &header)          // version 2.4
            Self.append32(0, to: &header)                    // thiszone
            Self.append32(0, to: &header)                    // sigfigs
            Self.append32(PcapWriter.snapshotLength, to: &header)
            Self.append32(101, to: &header)                  // LINKTYPE_RAW
            buffer.insert(contentsOf: header, at: 0)
        }
        return true
    }

    fileprivate func writeBuffer(failure: (PcapError) -> Void) {
        defer { buffer.removeAll(keepingCapacity: buffer.capacity <= bufferBytes * 2) }
        guard descriptor >= 0, !buffer.isEmpty else { return }
        buffer.withUnsafeBytes { bytes in
            guard let base = bytes.baseAddress else { return }
            var done = 0
            while done < bytes.count {
                let n = write(descriptor, base + done, bytes.count - done)
                if n < 0 {
                    if errno == EINTR { continue }
                    failure(PcapError(path: path, "write failed: \(String(cString: strerror(errno)))"))
                    return
                }
                done += n
            }
        }
    }

    fileprivate func closeDescriptor() {
        if descriptor >= 0 {
            _ = close(descriptor)
            descriptor = -1
        }
    }

    private static func append32(_ value: UInt32, to out: inout [UInt8]) {
        out.append(UInt8(truncatingIfNeeded: value))
        out.append(UInt8(truncatingIfNeeded: value >> 8))
        out.append(UInt8(truncatingIfNeeded: value >> 16))
        out.append(UInt8(truncatingIfNeeded: value >> 24))
    }
}
