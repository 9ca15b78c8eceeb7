import Pcap

/// Reads a trace for a `replay:` event: every IP packet of any capture libpcap reads (pcap or
/// pcapng, the link types the Pcap module handles), with frame numbers for the decision log.
/// Frames that are not IP are skipped (the simulation cannot route them); a trace with no IP
/// packet at all is an error, since replaying it would silently do nothing.
enum TraceLoader {
    static func load(path: String, shownAs name: String, location: SourceLocation) throws -> [CapturedPacket] {
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
        return packets
    }
}

/// Reads the packets of a capture the run wrote, for golden comparison.
enum PcapFile {
    static func packets(_ path: String) throws -> [CapturedPacket] {
        try PcapReader(path: path).readAll()
    }
}
