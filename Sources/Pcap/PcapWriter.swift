import Packet
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes a classic pcap file with the nanosecond magic (0xa1b23c4d) in little-endian byte
/// order on every host, so the same packets give byte-identical files everywhere (golden files).
///
/// Our own buffered writer rather than `pcap_dump`: libpcap writes in host byte order, and
/// `pcap_dump` makes two stdio calls per packet (docs/architecture.md: measured 1.2–1.5× slower); the format
/// is four fixed fields per record. Reading still goes through libpcap, and the tests read every
/// file written here back through libpcap and tshark.
///
/// Data reaches the file on `flush()`, `close()`, when the buffer fills, and in `deinit`, so an
/// early return or a thrown error never loses packets already written.
public final class PcapWriter {
    public let path: String
    public let linkType: LinkType
    /// Frames written so far.
    public private(set) var frameCount = 0
    /// The MAC addresses an Ethernet capture puts around each packet unless `write` names others.
    public var defaultEthernet = EthernetHeader(source: MACAddress(0x02, 0, 0, 0, 0, 0x01),
                                                destination: MACAddress(0x02, 0, 0, 0, 0, 0x02))

    public static let snapshotLength = PcapFormat.snapshotLength
    static let bufferSize = 1 << 20

    private var fd: Int32
    private let buffer: UnsafeMutableRawPointer
    private var used = 0

    /// Creates or truncates `path` and writes the file header. `linkType` is `.raw`
    /// (LINKTYPE_RAW, 101) or `.ethernet`.
    public init(path: String, linkType: LinkType = .raw) throws {
        guard linkType == .raw || linkType == .ethernet else {
            throw PcapError(path: path, "the writer writes RAW or Ethernet captures, not \(linkType)")
        }
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw PcapError(path: path, "cannot create: \(String(cString: strerror(errno)))") }
        self.fd = fd
        self.path = path
        self.linkType = linkType
        buffer = UnsafeMutableRawPointer.allocate(byteCount: PcapWriter.bufferSize, alignment: 16)
        PcapFormat.storeFileHeader(linkType: linkType.fileValue, at: buffer)
        used = PcapFormat.fileHeaderLength
    }

    deinit {
        try? close()
        buffer.deallocate()
    }

    /// Appends one IP packet at `timestamp` nanoseconds since the epoch (0 … 2^32 s).
    public func write(_ bytes: [UInt8], timestamp: Int64) throws {
        try write(bytes, timestamp: timestamp, ethernet: defaultEthernet)
    }

    /// Appends one IP packet; on an Ethernet capture `ethernet` supplies the MAC addresses.
    public func write(_ bytes: [UInt8], timestamp: Int64, ethernet: EthernetHeader) throws {
        guard fd >= 0 else { throw PcapError(path: path, frame: frameCount + 1, "write after close") }
        guard PcapFormat.timestampFits(timestamp) else {
            throw PcapError(path: path, frame: frameCount + 1, "timestamp \(timestamp) ns does not fit pcap's unsigned 32-bit seconds")
        }
        let link = linkType == .ethernet ? EthernetHeader.length : 0
        let length = link + bytes.count
        guard length <= Int(PcapWriter.snapshotLength) else {
            throw PcapError(path: path, frame: frameCount + 1, "a \(length)-byte frame exceeds the snapshot length \(PcapWriter.snapshotLength)")
        }
        if used + 16 + length > PcapWriter.bufferSize { try flush() }
        PcapFormat.storeRecordHeader(timestamp: timestamp, length: length, at: buffer + used)
        used += PcapFormat.recordHeaderLength
        if link > 0 { appendEthernet(ethernet, etherType: EthernetHeader.etherType(for: bytes)) }
        appendBytes(bytes)   // fits: the snapshot length is far below the buffer size
        frameCount += 1
    }

    /// Writes buffered records to the file.
    public func flush() throws {
        guard used > 0 else { return }
        let pending = used
        used = 0
        try writeOut(UnsafeRawBufferPointer(start: buffer, count: pending))
    }

    /// Flushes and closes; later calls do nothing.
    public func close() throws {
        guard fd >= 0 else { return }
        defer {
            closeDescriptor(fd)
            fd = -1
        }
        try flush()
    }

    private func writeOut(_ bytes: UnsafeRawBufferPointer) throws {
        guard let base = bytes.baseAddress else { return }
        var done = 0
        while done < bytes.count {
            let n = writeDescriptor(fd, base + done, bytes.count - done)
            if n < 0 {
                if errno == EINTR { continue }
                throw PcapError(path: path, frame: frameCount, "write failed: \(String(cString: strerror(errno)))")
            }
            done += n
        }
    }

    /// The 14-byte header written in place (no temporary array per packet).
    private func appendEthernet(_ header: EthernetHeader, etherType: UInt16) {
        for mac in [header.destination, header.source] {
            withUnsafeBytes(of: mac.bytes) { raw in
                if let base = raw.baseAddress { (buffer + used).copyMemory(from: base, byteCount: 6) }
            }
            used += 6
        }
        buffer.storeBytes(of: etherType.bigEndian, toByteOffset: used, as: UInt16.self)
        used += 2
    }

    @inline(__always)
    private func appendBytes(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { raw in
            if let base = raw.baseAddress { (buffer + used).copyMemory(from: base, byteCount: raw.count) }
        }
        used += bytes.count
    }
}

// File-scope wrappers: inside PcapWriter, `close` and `write` name its own methods.
private func closeDescriptor(_ fd: Int32) { _ = close(fd) }
private func writeDescriptor(_ fd: Int32, _ p: UnsafeRawPointer, _ n: Int) -> Int { write(fd, p, n) }
