import CPcap
import Packet
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads any capture libpcap opens (pcap with µs or ns timestamps, pcapng) as timestamped IP
/// packets, stripping every link layer `LinkType` names. Frames without IP, and frames the
/// capture cut short, are skipped and counted with their reason.
///
/// Call `next()` until it returns nil, or `readAll()`. `nextFrame(_:)` lends the bytes without
/// copying, for the hot replay path. libpcap reports one link type per file; a pcapng whose
/// interfaces differ is refused with a message that says so (see `mixedLinkTypeMessage`).
public final class PcapReader {
    public let path: String
    public let linkType: LinkType
    /// Frames read so far, IP or not. This and `finished` are read and written per frame, on
    /// the one thread reading the file: unchecked, as a runtime exclusivity check on each access
    /// cost ~40 instructions (docs/performance.md, "Session 11: the event thread's rest").
    @exclusivity(unchecked) public private(set) var frameCount = 0
    /// How many frames were skipped for each reason.
    public private(set) var skipCounts: [SkipReason: Int] = [:]
    /// The first `keptSkipLimit` skipped frames, in file order, for messages.
    public private(set) var skippedFrames: [SkippedFrame] = []
    public static let keptSkipLimit = 1000

    private let handle: OpaquePointer
    /// Backing store for an in-memory file (`init(bytes:)`); freed after pcap_close.
    private let memory: UnsafeMutableRawPointer?
    @exclusivity(unchecked) private var finished = false

    /// Opens `path` with nanosecond timestamp precision.
    public convenience init(path: String) throws {
        guard let file = fopen(path, "rb") else {
            throw PcapError(path: path, "cannot open: \(String(cString: strerror(errno)))")
        }
        // A large stdio buffer: libpcap reads each record with two freads.
        setvbuf(file, nil, _IOFBF, 1 << 18)
        try self.init(file: file, path: path, memory: nil)
    }

    /// Reads a capture held in memory (tests and the fuzzer), through libpcap all the same.
    public convenience init(bytes: [UInt8], name: String = "<memory>") throws {
        guard !bytes.isEmpty else { throw PcapError(path: name, "empty file: no capture header") }
        let memory = UnsafeMutableRawPointer.allocate(byteCount: max(bytes.count, 1), alignment: 8)
        bytes.withUnsafeBytes { raw in
            if let base = raw.baseAddress { memory.copyMemory(from: base, byteCount: raw.count) }
        }
        guard let file = fmemopen(memory, bytes.count, "rb") else {
            memory.deallocate()
            throw PcapError(path: name, "cannot open an in-memory capture of \(bytes.count) bytes")
        }
        try self.init(file: file, path: name, memory: memory)
    }

    private init(file: UnsafeMutablePointer<FILE>, path: String, memory: UnsafeMutableRawPointer?) throws {
        var errbuf = [CChar](repeating: 0, count: Int(PCAP_ERRBUF_SIZE) + 1)
        guard let handle = pcap_fopen_offline_with_tstamp_precision(file, UInt32(PCAP_TSTAMP_PRECISION_NANO), &errbuf) else {
            fclose(file)
            memory?.deallocate()
            throw PcapError(path: path, "not a capture libpcap can read: \(String(cString: errbuf))")
        }
        let dlt = Int(pcap_datalink(handle))
        guard let linkType = LinkType(dlt: dlt) else {
            pcap_close(handle)
            memory?.deallocate()
            let name = pcap_datalink_val_to_name(Int32(dlt)).map { String(cString: $0) } ?? "unknown"
            throw PcapError(path: path, "link type \(dlt) (\(name)) is not supported; supported: Ethernet, RAW, IPV4, IPV6, NULL, LOOP, LINUX_SLL, LINUX_SLL2")
        }
        self.handle = handle
        self.path = path
        self.linkType = linkType
        self.memory = memory
    }

    deinit {
        pcap_close(handle)
        memory?.deallocate()
    }

    /// Frames skipped so far.
    public var skippedCount: Int { skipCounts.values.reduce(0, +) }

    /// Which file this reader has open and its size and modification time, as `fstat` gives
    /// them (nil for an in-memory capture): a later reader of the same path can tell whether it
    /// opened the same, unchanged file.
    public var fileIdentity: FileIdentity? {
        guard memory == nil, let file = pcap_file(handle) else { return nil }
        var status = stat()
        guard fstat(fileno(file), &status) == 0 else { return nil }
        return FileIdentity(device: UInt64(status.st_dev), inode: UInt64(status.st_ino), size: Int64(status.st_size),
                            modified: Int64(status.st_mtim.tv_sec) &* 1_000_000_000 &+ Int64(status.st_mtim.tv_nsec))
    }

    /// Skip counts ordered by reason text, for deterministic reports.
    public var skipSummary: [(reason: SkipReason, count: Int)] {
        skipCounts.map { (reason: $0.key, count: $0.value) }.sorted { $0.reason.description < $1.reason.description }
    }

    /// The next IP packet, or nil at the end of the file.
    public func next() throws -> CapturedPacket? {
        try nextFrame { frame, timestamp, bytes in
            CapturedPacket(frame: frame, timestamp: timestamp, bytes: [UInt8](bytes))
        }
    }

    /// Every remaining IP packet.
    public func readAll() throws -> [CapturedPacket] {
        var packets: [CapturedPacket] = []
        while let p = try next() { packets.append(p) }
        return packets
    }

    /// Calls `body` with the next IP packet's frame number, timestamp (ns) and bytes, valid only
    /// during the call; returns its result, or nil at the end of the file.
    public func nextFrame<R>(_ body: (Int, Int64, UnsafeRawBufferPointer) throws -> R) throws -> R? {
        while !finished {
            var header: UnsafeMutablePointer<pcap_pkthdr>?
            var data: UnsafePointer<UInt8>?
            let status = pcap_next_ex(handle, &header, &data)
            if status == PCAP_ERROR_BREAK || status == 0 {
                finished = true
                return nil
            }
            guard status == 1, let header, let data else {
                finished = true
                throw readError()
            }
            frameCount += 1
            let captured = Int(header.pointee.caplen), original = Int(header.pointee.len)
            if captured < original {
                skip(.truncatedCapture(captured: captured, original: original))
                continue
            }
            let frame = UnsafeRawBufferPointer(start: data, count: captured)
            switch FrameDecapsulation.locate(in: frame, linkType: linkType) {
            case .skipped(let reason):
                skip(reason)
            case .ip(let range):
                guard let timestamp = PcapReader.nanoseconds(header.pointee.ts) else {
                    skip(.timestampOutOfRange(seconds: Int64(header.pointee.ts.tv_sec)))
                    continue
                }
                return try body(frameCount, timestamp, UnsafeRawBufferPointer(rebasing: frame[range]))
            }
        }
        return nil
    }

    /// With PCAP_TSTAMP_PRECISION_NANO libpcap puts nanoseconds in tv_usec. Nil when the time
    /// does not fit Int64 nanoseconds (before 1678 or after 2262; pcapng allows 64-bit times).
    static func nanoseconds(_ ts: timeval) -> Int64? {
        let (scaled, overflow) = Int64(ts.tv_sec).multipliedReportingOverflow(by: 1_000_000_000)
        let (sum, overflow2) = scaled.addingReportingOverflow(Int64(ts.tv_usec))
        return overflow || overflow2 ? nil : sum
    }

    private func skip(_ reason: SkipReason) {
        skipCounts[reason, default: 0] += 1
        if skippedFrames.count < PcapReader.keptSkipLimit {
            skippedFrames.append(SkippedFrame(frame: frameCount, reason: reason))
        }
    }

    private func readError() -> PcapError {
        let message = String(cString: pcap_geterr(handle))
        // sf-pcapng.c rejects a second IDB whose link type or snapshot length differs.
        if message.contains("different from the type of the first interface")
            || message.contains("different from the snapshot length of the first interface") {
            return PcapError(path: path, frame: frameCount + 1, PcapReader.mixedLinkTypeMessage + " (libpcap: \(message))")
        }
        return PcapError(path: path, frame: frameCount + 1, "read failed: \(message)")
    }

    /// What the reader says about a pcapng whose interfaces differ in link type or snapshot length.
    public static let mixedLinkTypeMessage =
        "this pcapng has interfaces with different link types or snapshot lengths; libpcap reads one link type per file, so it cannot be read per interface here. Split it per interface first (e.g. `tshark -r IN -Y 'frame.interface_id == 0' -w OUT.pcapng`)"
}

/// A file's device, inode, size and modification time (ns): equal identities mean the same
/// file, unchanged as far as its metadata tells.
public struct FileIdentity: Equatable, Sendable {
    public let device: UInt64
    public let inode: UInt64
    public let size: Int64
    public let modified: Int64
}
