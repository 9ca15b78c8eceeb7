import Pcap
@testable import Sim
import WireGuard
import XCTest

/// Bad bytes never crash the pipeline: a replayed trace full of garbage is logged and dropped.
final class MalformedInputTests: XCTestCase {
    typealias N = SimTestNetwork

    func testGarbageTracePacketsAreDroppedAsInvalid() throws {
        let sim = try N.pair()
        let garbage: [[UInt8]] = [[], [0x45], [0x60, 0, 0], [0x45, 0, 0, 10] + [UInt8](repeating: 0, count: 16), [0xff, 1, 2, 3]]
        let packets = garbage.enumerated().map { CapturedPacket(frame: $0.offset + 1, timestamp: Int64($0.offset), bytes: $0.element) }
        sim.schedule(at: N.second, .replay(node: "client", trace: "junk.pcap", packets: ReplayTrace(packets: packets)))
        sim.run()
        XCTAssertEqual(sim.decisions.map(\.action.rawValue), Array(repeating: "dropped-invalid", count: garbage.count))
        XCTAssertEqual(sim.decisions.map { $0.trace?.frame }, [1, 2, 3, 4, 5])
        let why = "not an IP packet the stack could send: "
        XCTAssertEqual(sim.decisions.map(\.jsonLine), [
            #"{"t":1000000000,"node":"client","iface":"none","dir":"tx","len":0,"action":"dropped-invalid","trace":{"file":"junk.pcap","frame":1},"why":"\#(why)IP truncated at byte 0: expected a version nibble (1 bytes), got 0"}"#,
            #"{"t":1000000001,"node":"client","iface":"none","dir":"tx","len":1,"action":"dropped-invalid","trace":{"file":"junk.pcap","frame":2},"why":"\#(why)IPv4 truncated at byte 1: expected a fixed header (20 bytes), got 1"}"#,
            #"{"t":1000000002,"node":"client","iface":"none","dir":"tx","len":3,"action":"dropped-invalid","trace":{"file":"junk.pcap","frame":3},"why":"\#(why)IPv6 truncated at byte 3: expected a fixed header (40 bytes), got 3"}"#,
            #"{"t":1000000003,"node":"client","iface":"none","dir":"tx","len":20,"action":"dropped-invalid","trace":{"file":"junk.pcap","frame":4},"why":"\#(why)IPv4 malformed at byte 2: expected total length ≥ 20, got 10"}"#,
            #"{"t":1000000004,"node":"client","iface":"none","dir":"tx","len":4,"action":"dropped-invalid","trace":{"file":"junk.pcap","frame":5},"why":"\#(why)IP unsupported at byte 0: expected version 4 or 6 in the high nibble, got 15"}"#,
        ])
    }

    /// Random bytes behind a valid IPv4 header cross a full tunnel and are handled by the peer.
    func testRandomPayloadsThroughAFullTunnel() throws {
        let sim = try Simulation(seed: 1, startUnixNanoseconds: N.start, nodes: [
            N.node("server", underlay: "203.0.113.1", wg: ["10.0.0.1/24"], peers: [N.peer("client", ["0.0.0.0/0"], endpoint: false)]),
            N.node("client", underlay: "198.51.100.2", wg: ["10.0.0.2/24"], peers: [N.peer("server", ["0.0.0.0/0"])]),
        ])
        var random = SeededRandom(seed: 9, label: "malformed")
        var packets: [CapturedPacket] = []
        for frame in 1...300 {
            var bytes = random.bytes(Int(random.next() % 200) + 20)
            bytes[0] = 0x45                                   // IPv4, 20-byte header
            let length = bytes.count
            bytes[2] = UInt8(length >> 8); bytes[3] = UInt8(length & 0xff)
            bytes[16] = 8; bytes[17] = 8; bytes[18] = 8; bytes[19] = 8   // to 8.8.8.8
            packets.append(CapturedPacket(frame: frame, timestamp: Int64(frame) * 1_000_000, bytes: bytes))
        }
        sim.schedule(at: N.second, .replay(node: "client", trace: "random.pcap", packets: ReplayTrace(packets: packets)))
        sim.run()
        XCTAssertEqual(N.count(sim, node: "client", "routed-to-wg"), 300)
        XCTAssertEqual(N.count(sim, node: "server", "decrypted"), N.count(sim, node: "client", "encrypted"))
        XCTAssertEqual(N.count(sim, node: "client", "encrypted"), 300)
        // The first frame's bytes are random: its line names them as read (protocol 241, source
        // 212.19.215.209, 211 bytes); the seeded draw makes them the same every run.
        XCTAssertEqual(sim.decisions.prefix(2).map(\.textLine), [
            "1.000000000 client wg0 tx routed-to-wg 241 212.19.215.209 > 8.8.8.8 len 211 [random.pcap #1]: "
                + "route default dev wg0 table 51820 is the best match for 8.8.8.8",
            "1.000000000 client wg0 tx queued 241 212.19.215.209 > 8.8.8.8 len 211 peer server prefix 0.0.0.0/0 "
                + "[random.pcap #1]: 8.8.8.8 matched 0.0.0.0/0 (server); no session with server yet: staged awaiting a handshake",
        ])
    }
}
