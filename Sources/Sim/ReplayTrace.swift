import Pcap

/// Packets a replay reads one at a time: a trace file read again as the replay goes.
public protocol ReplayPacketStream: AnyObject {
    /// The next packet, nil at the end; throws when the file cannot be read or is no longer
    /// the one that was checked.
    func next() throws -> CapturedPacket?
}

/// The packets of a `replay:` event. Either held in memory (tests, small traces), or read from
/// their file packet by packet while the replay runs: a loader has read the whole file once to
/// check it (every packet within the run's time limit) and knows its count and first and last
/// time stamps, so a million-packet trace costs the run one packet at a time instead of
/// ~400 MB for the whole of it.
///
/// A class: the replay that reads it notes here a failure to read it again (the file changed
/// or vanished during the run), which the run reports when it ends (`failure`); nothing the run
/// wrote is kept then.
public final class ReplayTrace {
    /// How many packets the replay injects.
    public let count: Int
    /// The first packet's time stamp (ns): packet k is due at the replay's start + (its time
    /// stamp - this).
    public let firstTimestamp: Int64
    /// The last packet's time stamp (ns).
    public let lastTimestamp: Int64
    /// The packets, when held in memory; otherwise `open` reads them.
    fileprivate let packets: [CapturedPacket]?
    fileprivate let open: (() throws -> ReplayPacketStream)?
    /// Why the trace could not be read again during the run, if it could not.
    public fileprivate(set) var failure: String?

    /// A replay of packets held in memory.
    public init(packets: [CapturedPacket]) {
        self.packets = packets
        open = nil
        count = packets.count
        firstTimestamp = packets.first?.timestamp ?? 0
        lastTimestamp = packets.last?.timestamp ?? 0
    }

    /// A replay that reads its `count` packets through `open` when it starts.
    public init(count: Int, firstTimestamp: Int64, lastTimestamp: Int64, open: @escaping () throws -> ReplayPacketStream) {
        packets = nil
        self.open = open
        self.count = count
        self.firstTimestamp = firstTimestamp
        self.lastTimestamp = lastTimestamp
    }

    /// The packets, for tests and callers that want them all (reads the file again if streamed).
    public func allPackets() throws -> [CapturedPacket] {
        if let packets { return packets }
        guard let open else { return [] }
        let stream = try open()
        var all: [CapturedPacket] = []
        while let packet = try stream.next() { all.append(packet) }
        return all
    }

    /// A reader positioned before the first packet; each replay run has its own.
    func cursor() -> ReplayCursor { ReplayCursor(trace: self) }

}

/// Where one replay run is in its trace.
final class ReplayCursor {
    private let trace: ReplayTrace
    private var position = 0
    private var stream: ReplayPacketStream?
    private var opened = false

    init(trace: ReplayTrace) { self.trace = trace }

    var firstTimestamp: Int64 { trace.firstTimestamp }

    /// The next packet, nil at the end or once reading failed (the failure is noted on the trace).
    func next() -> CapturedPacket? {
        if let packets = trace.packets {
            guard position < packets.count else { return nil }
            position += 1
            return packets[position - 1]
        }
        do {
            if !opened {
                opened = true
                stream = try trace.open?()
            }
            guard let stream, let packet = try stream.next() else {
                self.stream = nil
                return nil
            }
            position += 1
            return packet
        } catch {
            stream = nil
            if trace.failure == nil { trace.failure = "\(error)" }
            return nil
        }
    }
}
