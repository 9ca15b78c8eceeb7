import Sim
import Pcap

/// Reads a trace for a `replay:` event: every IP packet of any capture libpcap reads (pcap or
/// pcapng, the link types the Pcap module handles), with frame numbers for the decision log.
/// Frames that are not IP are skipped (the simulation cannot route them); a trace with no IP
/// packet at all is an error, since replaying it would silently do nothing. Packet k is sent at
/// `at` + (its time stamp − the first packet's), which must be within the scenario's
/// `TimeLimit`; a packet stamped earlier than the first is sent at once.
///
/// The whole file is read and checked here, before anything is written, but not kept: the
/// replay reads it again packet by packet as the run goes (`ReplayTrace`), and checks that it
/// reads the same file (its identity: device, inode, size, modification time) and the same
/// packets (their count and a running hash of frame numbers, times and lengths).
enum TraceLoader {
    static func load(path: String, shownAs name: String, location: SourceLocation, startingAt at: Int64,
                     limit: TimeLimit) throws -> ReplayTrace {
        var count = 0
        var first: (frame: Int, timestamp: Int64)?
        var last: Int64 = 0
        var fingerprint = TraceFingerprint()
        let skipped: Int
        let identity: FileIdentity?
        do {
            let reader = try PcapReader(path: path)
            identity = reader.fileIdentity
            while let packet = try reader.next() {
                count += 1
                fingerprint.add(packet)
                last = packet.timestamp
                guard let first else {
                    first = (packet.frame, packet.timestamp)
                    continue
                }
                let (offset, overflow) = packet.timestamp.subtractingReportingOverflow(first.timestamp)
                guard !overflow else {
                    throw location.error("replay '\(name)': frame \(packet.frame) is stamped more than 292 years from the first packet (frame \(first.frame))")
                }
                _ = try limit.checkedSum(at, plus: max(0, offset),
                                         "replay '\(name)': frame \(packet.frame), \(TimeText.shortest(offset)) after the first packet,",
                                         at: location)
            }
            skipped = reader.skippedCount
        } catch let error as ScenarioError {
            throw error
        } catch {
            throw location.error("replay '\(name)': \(error)")
        }
        guard let first else {
            throw location.error("replay '\(name)': no IP packet in the trace (\(skipped) frame(s) skipped)")
        }
        let expected = fingerprint
        return ReplayTrace(count: count, firstTimestamp: first.timestamp, lastTimestamp: last) {
            try CheckedTraceStream(path: path, shownAs: name, identity: identity, count: count, fingerprint: expected)
        }
    }
}

/// A running hash of the packets of a trace (frame numbers, times and lengths), to tell whether
/// a second reading gave the same packets as the first; the file's identity (device, inode,
/// size, modification time) covers the bytes, which hashing would cost as much as reading them.
/// Both readings are in one process, so Swift's per-process hash seed is the same for both.
struct TraceFingerprint: Equatable {
    private var hasher = Hasher()
    private(set) var packets = 0

    mutating func add(_ packet: CapturedPacket) {
        hasher.combine(packet.frame)
        hasher.combine(packet.timestamp)
        hasher.combine(packet.bytes.count)
        packets += 1
    }

    /// The hash so far (a copy of the hasher is finalized; this one goes on).
    var value: Int { hasher.finalize() }

    static func == (a: TraceFingerprint, b: TraceFingerprint) -> Bool { a.packets == b.packets && a.value == b.value }
}

/// The second reading of a trace, during the run: the packets the first reading checked, or an
/// error as soon as there are more of them, or at the end if there were fewer or others.
final class CheckedTraceStream: ReplayPacketStream {
    private let reader: PcapReader
    private let name: String
    private let count: Int
    private let expected: TraceFingerprint
    /// Added to per packet by the one thread replaying the trace: unchecked (a runtime
    /// exclusivity check per access cost ~40 instructions a packet).
    @exclusivity(unchecked) private var fingerprint = TraceFingerprint()

    init(path: String, shownAs name: String, identity: FileIdentity?, count: Int, fingerprint: TraceFingerprint) throws {
        self.name = name
        self.count = count
        expected = fingerprint
        do { reader = try PcapReader(path: path) } catch { throw TraceChanged(name: name, why: "\(error)") }
        guard reader.fileIdentity == identity else {
            throw TraceChanged(name: name, why: "it is not the file that was checked when the scenario was loaded (its size or modification time differ)")
        }
    }

    func next() throws -> CapturedPacket? {
        let packet: CapturedPacket?
        do { packet = try reader.next() } catch { throw TraceChanged(name: name, why: "\(error)") }
        guard let packet else {
            guard fingerprint == expected else {
                throw TraceChanged(name: name, why: "it no longer holds the \(count) packets read when the scenario was loaded")
            }
            return nil
        }
        fingerprint.add(packet)
        guard fingerprint.packets <= count else {
            throw TraceChanged(name: name, why: "it now holds more than the \(count) packets read when the scenario was loaded")
        }
        return packet
    }
}

/// A trace that could not be read again, or read differently, while the run replayed it.
struct TraceChanged: Error, CustomStringConvertible {
    let name: String
    let why: String
    var description: String { "replay '\(name)': the trace changed while the run replayed it: \(why)" }
}

/// Reads the packets of a capture the run wrote, for golden comparison.
enum PcapFile {
    static func packets(_ path: String) throws -> [CapturedPacket] {
        try PcapReader(path: path).readAll()
    }
}
