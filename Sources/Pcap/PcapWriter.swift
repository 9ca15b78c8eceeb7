import Packet
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes a classic pcap file with the nanosecond magic (0xa1b23c4d) in little-endian byte
/// order on every host, so the same packets give byte-identical files everywhere (golden files).
/// The one pcap writer: `wgsim generate`, the tests and the simulator's per-interface captures
/// (Sim's `PcapFileCaptureSink`) all write through it.
///
/// Our own buffered writer rather than `pcap_dump`: libpcap writes in host byte order, and
/// `pcap_dump` makes two stdio calls per packet (docs/architecture.md: measured 1.2–1.5× slower);
/// the format is four fixed fields per record (`PcapFormat`). Reading still goes through libpcap,
/// and the tests read every file written here back through libpcap and tshark.
///
/// Records collect in a buffer that is written out when it reaches the flush size (see
/// `Buffering`), on `flush()`, `close()` and in `deinit`, so an early return or a thrown error
/// never loses packets already written. Writers given a shared `PcapFilePool` hold a descriptor
/// only while the pool allows and reopen their file for appending when they need it again.
public final class PcapWriter {
    /// When buffered records are written out: at `initialFlushBytes` at first, the size doubling
    /// with every flush up to `maximumFlushBytes`, so a busy capture earns fewer write calls and a
    /// quiet one keeps a small buffer.
    public struct Buffering: Sendable {
        public var initialFlushBytes: Int
        public var maximumFlushBytes: Int

        public init(initialFlushBytes: Int, maximumFlushBytes: Int) {
            self.initialFlushBytes = max(1, initialFlushBytes)
            self.maximumFlushBytes = max(self.initialFlushBytes, maximumFlushBytes)
        }

        /// One file written in bulk (a generated trace, a test): 1 MiB between writes.
        public static let singleFile = Buffering(initialFlushBytes: 1 << 20, maximumFlushBytes: 1 << 20)

        /// One of many captures written side by side (a simulation's interfaces): 8 KiB at
        /// first, up to 32 KiB. Kept small on purpose: a run writes four or more busy captures,
        /// and 256 KiB each streamed a megabyte through the core's 1 MiB L2 between reuses,
        /// evicting the per-peer state every packet needs; one more write(2) per 32 KiB costs
        /// far less.
        public static let manyFiles = Buffering(initialFlushBytes: 8 << 10, maximumFlushBytes: 32 << 10)
    }

    public let path: String
    public let linkType: LinkType
    /// Frames written so far.
    public var frameCount: Int { frames }
    /// The MAC addresses an Ethernet capture puts around each packet unless `write` names others.
    /// (Read by the inlined `write` on every packet, so not checked for exclusivity at run time.)
    @exclusivity(unchecked) public var defaultEthernet = EthernetHeader(source: MACAddress(0x02, 0, 0, 0, 0, 0x01),
                                                destination: MACAddress(0x02, 0, 0, 0, 0, 0x02))

    public static let snapshotLength = PcapFormat.snapshotLength

    private let pool: PcapFilePool?
    // The state `write` touches is @usableFromInline so that `write` can be @inlinable: a
    // simulation captures every packet on up to four interfaces, and a call into this module
    // per capture (unspecialised, with the Ethernet header passed along) cost measurably more
    // than Sim's former inline copy (docs/performance.md, "Cross-module hot calls"). Inlined into
    // another module, each access to a class's stored var would be checked for exclusivity at
    // run time (swift_beginAccess, ~75 instructions); the writer is used from one thread and
    // never holds an access to these across a call, so the checks are turned off for them.
    @usableFromInline let maximumFlushBytes: Int
    @usableFromInline @exclusivity(unchecked) var flushBytes: Int
    /// Frames written so far (`frameCount`).
    @usableFromInline @exclusivity(unchecked) var frames = 0
    /// Whether each record starts with an Ethernet header (`linkType == .ethernet`, decided once).
    @usableFromInline let isEthernet: Bool
    /// Pending bytes: `used` of `capacity` at `storage` (grown by doubling, like an array, but
    /// written without an array's uniqueness and capacity checks per append).
    @usableFromInline @exclusivity(unchecked) var storage: UnsafeMutableRawPointer
    @usableFromInline @exclusivity(unchecked) var capacity = 256
    @usableFromInline @exclusivity(unchecked) var used = 0
    /// The open file, or -1 while the pool has closed it (or after `close()`).
    private var descriptor: Int32 = -1
    @usableFromInline @exclusivity(unchecked) var closed = false

    /// Creates or truncates `path` and writes the file header to it. `linkType` is `.raw`
    /// (LINKTYPE_RAW, 101) or `.ethernet`. Writers sharing `pool` keep at most its limit of files
    /// open; without one the file stays open until `close()`.
    public init(path: String, linkType: LinkType = .raw, buffering: Buffering = .singleFile,
                pool: PcapFilePool? = nil) throws {
        guard linkType == .raw || linkType == .ethernet else {
            throw PcapError(path: path, "the writer writes RAW or Ethernet captures, not \(linkType)")
        }
        self.path = path
        self.linkType = linkType
        isEthernet = linkType == .ethernet
        self.pool = pool
        flushBytes = buffering.initialFlushBytes
        maximumFlushBytes = buffering.maximumFlushBytes
        storage = .allocate(byteCount: capacity, alignment: 16)
        PcapFormat.storeFileHeader(linkType: linkType.fileValue, at: storage)
        used = PcapFormat.fileHeaderLength
        do {
            try openFile(flags: O_WRONLY | O_CREAT | O_TRUNC, failure: "cannot create")
            try flush()
        } catch {
            closed = true
            closeDescriptor()
            throw error
        }
    }

    deinit {
        try? close()
        storage.deallocate()
    }

    /// Appends one IP packet at `timestamp` nanoseconds since the epoch (0 … 2^32 s).
    @inlinable
    public func write(_ bytes: [UInt8], timestamp: Int64) throws {
        try write(bytes, timestamp: timestamp, ethernet: defaultEthernet)
    }

    /// Appends one IP packet; on an Ethernet capture `ethernet` supplies the MAC addresses.
    /// Inlined into the caller; the rare paths (a rejected packet, the Ethernet header, growing
    /// the buffer, a flush) are calls.
    @inlinable @inline(__always)
    public func write(_ bytes: [UInt8], timestamp: Int64, ethernet: EthernetHeader) throws {
        try beginRecord(ipLength: bytes.count, timestamp: timestamp)
        if isEthernet { appendEthernet(ethernet, etherType: EthernetHeader.etherType(for: bytes)) }
        bytes.withUnsafeBytes { raw in
            if let base = raw.baseAddress { (storage + used).copyMemory(from: base, byteCount: raw.count) }
        }
        used += bytes.count
        frames += 1
        if used >= flushBytes { try flushAndGrowFlushSize() }
    }

    /// Appends the UDP datagram `PacketBuilder.udp(from:to:payload:)` makes (the same record
    /// bytes as `write` of it) without building it: its IP and UDP headers are stored straight
    /// into the buffer (`PacketBuilder.storeUDPHeaders`) and the payload copied once after them.
    /// A simulation captures every WireGuard datagram this way (docs/performance.md, session 10).
    /// `payloadSum`: `InternetChecksum.sum` of the payload when the caller has it (the UDP
    /// checksum is then not summed over the payload again; `PacketBuilder.storeUDPHeaders`).
    @inlinable
    public func writeUDP(from source: Endpoint, to destination: Endpoint, payload: [UInt8], payloadSum: UInt64? = nil,
                         timestamp: Int64) throws {
        let headersLength = PacketBuilder.udpHeadersLength(to: destination.address)
        try beginRecord(ipLength: headersLength + payload.count, timestamp: timestamp)
        if isEthernet { appendEthernet(defaultEthernet, etherType: destination.address.isIPv4 ? 0x0800 : 0x86dd) }
        let headersAt = storage + used
        used += headersLength
        payload.withUnsafeBytes { raw in
            if let base = raw.baseAddress { (storage + used).copyMemory(from: base, byteCount: raw.count) }
            PacketBuilder.storeUDPHeaders(from: source, to: destination, payload: raw, payloadSum: payloadSum, at: headersAt)
        }
        used += payload.count
        frames += 1
        if used >= flushBytes { try flushAndGrowFlushSize() }
    }

    /// Checks a record of an `ipLength`-byte packet (plus the link header) can be written, makes
    /// room for it and stores its record header; the caller appends the link header and packet.
    /// The one opening of `write` and `writeUDP`.
    @inlinable @inline(__always)
    func beginRecord(ipLength: Int, timestamp: Int64) throws {
        let length = (isEthernet ? EthernetHeader.length : 0) + ipLength
        guard !closed, PcapFormat.timestampFits(timestamp), length <= Int(PcapFormat.snapshotLength) else {
            throw rejection(timestamp: timestamp, length: length)
        }
        let needed = used + PcapFormat.recordHeaderLength + length
        if needed > capacity { grow(toHold: needed) }
        PcapFormat.storeRecordHeader(timestamp: timestamp, length: length, at: storage + used)
        used += PcapFormat.recordHeaderLength
    }

    /// Why `write` refuses a packet of `length` bytes (with link header) at `timestamp`.
    @usableFromInline
    func rejection(timestamp: Int64, length: Int) -> PcapError {
        if closed { return PcapError(path: path, frame: frames + 1, "write after close") }
        if !PcapFormat.timestampFits(timestamp) {
            return PcapError(path: path, frame: frames + 1, "timestamp \(timestamp) ns does not fit a pcap record (whole seconds since 1970 must fit an unsigned 32-bit field)")
        }
        return PcapError(path: path, frame: frames + 1, "a \(length)-byte frame exceeds the snapshot length \(PcapWriter.snapshotLength)")
    }

    /// A busy capture earns a larger buffer: the flush size doubles up to the maximum.
    @usableFromInline
    func flushAndGrowFlushSize() throws {
        flushBytes = min(flushBytes * 2, maximumFlushBytes)
        try flush()
    }

    /// Writes buffered records to the file (reopening it for appending if the pool closed it).
    /// On failure the buffered records are dropped and the error names the last frame written.
    public func flush() throws {
        guard used > 0 else { return }
        defer { used = 0 }
        if descriptor < 0 {
            try openFile(flags: O_WRONLY | O_APPEND, failure: "cannot reopen for appending")
        } else {
            pool?.touch(self)
        }
        var done = 0
        while done < used {
            let n = writeDescriptor(descriptor, storage + done, used - done)
            if n < 0 {
                if errno == EINTR { continue }
                throw PcapError(path: path, frame: frameCount, "write failed: \(String(cString: strerror(errno)))")
            }
            done += n
        }
    }

    /// Flushes and closes; later calls do nothing.
    public func close() throws {
        guard !closed else { return }
        closed = true
        defer {
            pool?.release(self)
            closeDescriptor()
        }
        try flush()
    }

    private func openFile(flags: Int32, failure: String) throws {
        pool?.acquire(self)
        let fd = open(path, flags, 0o644)
        guard fd >= 0 else {
            pool?.release(self)
            throw PcapError(path: path, "\(failure): \(String(cString: strerror(errno)))")
        }
        descriptor = fd
    }

    /// Closes the file without flushing (the pool calls it to free a slot; `flush` reopens).
    func closeDescriptor() {
        if descriptor >= 0 {
            closeFileDescriptor(descriptor)
            descriptor = -1
        }
    }

    /// Makes room for `total` bytes in all.
    @usableFromInline
    func grow(toHold total: Int) {
        guard total > capacity else { return }
        var grown = capacity * 2
        while grown < total { grown *= 2 }
        let fresh = UnsafeMutableRawPointer.allocate(byteCount: grown, alignment: 16)
        fresh.copyMemory(from: storage, byteCount: used)
        storage.deallocate()
        storage = fresh
        capacity = grown
    }

    /// The 14-byte header written in place (no temporary array per packet).
    @usableFromInline
    func appendEthernet(_ header: EthernetHeader, etherType: UInt16) {
        for mac in [header.destination, header.source] {
            withUnsafeBytes(of: mac.bytes) { raw in
                if let base = raw.baseAddress { (storage + used).copyMemory(from: base, byteCount: 6) }
            }
            used += 6
        }
        storage.storeBytes(of: etherType.bigEndian, toByteOffset: used, as: UInt16.self)
        used += 2
    }
}

// File-scope wrappers: inside PcapWriter, `close` and `write` name its own methods.
private func closeFileDescriptor(_ fd: Int32) { _ = close(fd) }
private func writeDescriptor(_ fd: Int32, _ p: UnsafeRawPointer, _ n: Int) -> Int { write(fd, p, n) }
