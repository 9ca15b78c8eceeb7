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
        sim.schedule(at: N.second, .replay(node: "client", trace: "junk.pcap", packets: packets))
        sim.run()
        XCTAssertEqual(sim.decisions.map(\.action.rawValue), Array(repeating: "dropped-invalid", count: garbage.count))
        XCTAssertEqual(sim.decisions.map { $0.trace?.frame }, [1, 2, 3, 4, 5])
        for record in sim.decisions { XCTAssertFalse(record.jsonLine.isEmpty) }
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
        sim.schedule(at: N.second, .replay(node: "client", trace: "random.pcap", packets: packets))
        sim.run()
        XCTAssertEqual(N.count(sim, node: "client", "routed-to-wg"), 300)
        XCTAssertEqual(N.count(sim, node: "server", "decrypted"), N.count(sim, node: "client", "encrypted"))
        XCTAssertEqual(N.count(sim, node: "client", "encrypted"), 300)
        for record in sim.decisions { XCTAssertFalse(record.textLine.isEmpty) }
    }
}
