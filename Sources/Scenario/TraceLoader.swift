import Sim
import Pcap

/// Reads a trace for a `replay:` event: every IP packet of any capture libpcap reads (pcap or
/// pcapng, the link types the Pcap module handles), with frame numbers for the decision log.
/// Frames that are not IP are skipped (the simulation cannot route them); a trace with no IP
/// packet at all is an error, since replaying it would silently do nothing. Packet k is sent at
/// `at` + (its time stamp − the first packet's), which must be within the scenario's
/// `TimeLimit`; a packet stamped earlier than the first is sent at once.
enum TraceLoader {
    static func load(path: String, shownAs name: String, location: SourceLocation, startingAt at: Int64,
                     limit: TimeLimit) throws -> [CapturedPacket] {
        let packets: [CapturedPacket]
        let skipped: Int
        do {
            let reader = try PcapReader(path: path)
            packets = try reader.readAll()
            skipped = reader.skippedCount
        } catch {
            throw location.error("replay '\(name)': \(error)")
        }
        guard !packets.isEmpty else {
            throw location.error("replay '\(name)': no IP packet in the trace (\(skipped) frame(s) skipped)")
        }
        let first = packets[0].timestamp
        for packet in packets {
            let (offset, overflow) = packet.timestamp.subtractingReportingOverflow(first)
            guard !overflow else {
                throw location.error("replay '\(name)': frame \(packet.frame) is stamped more than 292 years from the first packet (frame \(packets[0].frame))")
            }
            _ = try limit.checkedSum(at, plus: max(0, offset),
                                     "replay '\(name)': frame \(packet.frame), \(TimeText.shortest(offset)) after the first packet,",
                                     at: location)
        }
        return packets
    }
}

/// Reads the packets of a capture the run wrote, for golden comparison.
enum PcapFile {
    static func packets(_ path: String) throws -> [CapturedPacket] {
        try PcapReader(path: path).readAll()
    }
}
