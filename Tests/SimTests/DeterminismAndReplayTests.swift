import Packet
import Pcap
import Routing
@testable import Sim
import WireGuard
import XCTest

/// docs/architecture.md "Determinism": same inputs and seed ⇒ byte-identical outputs; trace replay keeps
/// relative timing and names the trace frame in every decision about a replayed packet.
final class DeterminismAndReplayTests: XCTestCase {
    typealias N = SimTestNetwork

    private func lossyRun(seed: UInt64) throws -> Simulation {
        let sim = try N.pair(seed: seed, links: [LinkSpec(between: ("client", "server"),
                                                          properties: LinkProperties(latency: 3_000_000, jitter: 2_000_000, loss: 0.2))])
        N.ping(sim, from: "client", to: "10.0.0.1", at: 1, count: 40)
        N.ping(sim, from: "server", to: "10.0.0.2", at: 20, count: 10)
        sim.run()
        return sim
    }

    func testSameSeedGivesByteIdenticalDecisionsCapturesAndKeys() throws {
        let a = try lossyRun(seed: 5), b = try lossyRun(seed: 5)
        XCTAssertGreaterThan(a.decisions.count, 100)
        XCTAssertEqual(a.decisions.map(\.jsonLine), b.decisions.map(\.jsonLine))
        XCTAssertEqual(a.decisions.map(\.textLine), b.decisions.map(\.textLine))
        XCTAssertEqual(a.keyLog, b.keyLog)
        XCTAssertEqual(a.captures().map { $0.packets.map(\.bytes) }, b.captures().map { $0.packets.map(\.bytes) })
        XCTAssertEqual(a.captures().map { $0.packets.map(\.time) }, b.captures().map { $0.packets.map(\.time) })
    }

    func testAnotherSeedChangesKeysAndFates() throws {
        let a = try lossyRun(seed: 5), b = try lossyRun(seed: 6)
        XCTAssertNotEqual(a.keyLog, b.keyLog)
        XCTAssertNotEqual(a.decisions.map(\.jsonLine), b.decisions.map(\.jsonLine))
    }

    func testDecisionsAreInSimulatedTimeOrder() throws {
        let times = try lossyRun(seed: 5).decisions.map(\.t)
        XCTAssertEqual(times, times.sorted())
    }

    func testStaticKeysDeriveFromSeedAndNodeName() throws {
        let sim = try N.pair(seed: 3)
        XCTAssertEqual(sim.publicKey(of: "server"), Simulation.derivedPrivateKey(seed: 3, node: "server").publicKey)
        XCTAssertNotEqual(Simulation.derivedPrivateKey(seed: 3, node: "server"),
                          Simulation.derivedPrivateKey(seed: 3, node: "client"))
    }

    func testJSONLineHasTheContractKeysInOrder() throws {
        let sim = try N.pair()
        N.ping(sim, from: "client", to: "10.0.0.1", at: 1)
        sim.run()
        let encrypted = try XCTUnwrap(sim.decisions.first { $0.action == .encrypted })
        let line = encrypted.jsonLine
        let keys = ["\"t\":", "\"node\":", "\"iface\":", "\"dir\":", "\"src\":", "\"dst\":", "\"proto\":", "\"len\":",
                    "\"action\":", "\"peer\":", "\"prefix\":", "\"counter\":", "\"receiver-index\":", "\"endpoint\":", "\"why\":"]
        let positions = keys.compactMap { line.range(of: $0)?.lowerBound }
        XCTAssertEqual(positions.count, keys.count, line)
        XCTAssertEqual(positions, positions.sorted(), line)
        XCTAssertTrue(line.hasPrefix("{\"t\":1002000000,\"node\":\"client\",\"iface\":\"wg0\",\"dir\":\"tx\","
                                     + "\"src\":\"10.0.0.2\",\"dst\":\"10.0.0.1\",\"proto\":\"icmp\",\"len\":84,"
                                     + "\"action\":\"encrypted\",\"peer\":\"server\",\"prefix\":\"10.0.0.1/32\",\"counter\":0,"), line)
        XCTAssertTrue(line.hasSuffix("}"))
        XCTAssertTrue(encrypted.textLine.hasPrefix("1.002000000 client wg0 tx encrypted icmp 10.0.0.2 > 10.0.0.1 len 84 peer server"))
    }

    /// Route choices are written without building their explanation; the words are the same.
    func testRouteChoiceLinesCarryTheSameWhy() throws {
        let sim = try N.pair()
        sim.schedule(at: 0, .routeAdd(node: "client", RouteSpec(prefix: N.prefix("10.9.0.0/16"), device: "wg0", metric: 5)))
        sim.schedule(at: N.second, .send(node: "client", packet: InnerPacketSpec(destination: N.address("10.9.1.1"))))
        N.ping(sim, from: "client", to: "192.0.2.9", at: 2)
        sim.run()
        let routed = sim.decisions.filter { $0.action == .routedToWG || $0.action == .routedElsewhere }
        XCTAssertEqual(routed.map(\.why), ["route 10.9.0.0/16 dev wg0 metric 5 is the best match for 10.9.1.1",
                                           "route default dev eth0 is the best match for 192.0.2.9"])
        for record in routed {
            XCTAssertTrue(record.jsonLine.hasSuffix(",\"why\":\"\(record.why)\"}"), record.jsonLine)
            XCTAssertTrue(record.textLine.hasSuffix(": " + record.why), record.textLine)
        }
    }

    func testJSONEscapesQuotesAndNewlines() {
        let out = ByteBuffer()
        ByteText.appendJSONString("a\"b\\c\nd\u{1}é", to: out)
        ByteText.appendJSONString("plain", to: out)
        XCTAssertEqual(String(decoding: out.bytes, as: UTF8.self), "\"a\\\"b\\\\c\\nd\\u0001é\"\"plain\"")
    }

    /// Replayed packets keep their relative timing; each decision about one names file and frame.
    func testReplayKeepsRelativeTimingAndNamesTheFrame() throws {
        let sim = try N.pair()
        let base: Int64 = 1_700_000_000 * 1_000_000_000
        let packets = [0, 250_000_000, 1_000_000_000].enumerated().map { i, offset in
            CapturedPacket(frame: i + 1, timestamp: base + Int64(offset),
                           bytes: PacketBuilder.udp(from: Endpoint(address: N.address("10.0.0.2"), port: 5000),
                                                    to: Endpoint(address: N.address("10.0.0.1"), port: 53),
                                                    payload: [UInt8](repeating: 7, count: 30)))
        }
        sim.schedule(at: 2 * N.second, .replay(node: "client", trace: "dns.pcap", packets: ReplayTrace(packets: packets)))
        sim.run()
        let routed = sim.decisions.filter { $0.action == .routedToWG && $0.node == "client" }
        XCTAssertEqual(routed.map(\.t), [2_000_000_000, 2_250_000_000, 3_000_000_000])
        XCTAssertEqual(routed.map { $0.trace?.frame }, [1, 2, 3])
        // Staged first, then encrypted after the handshake: still frame 1.
        let clientTx = sim.decisions.filter { $0.node == "client" && [.queued, .encrypted].contains($0.action) }
        XCTAssertEqual(clientTx.map { "\($0.action.rawValue) \($0.trace?.frame ?? 0)" }, ["queued 1", "encrypted 1", "encrypted 2", "encrypted 3"])
        let delivered = sim.decisions.filter { $0.node == "server" && $0.action == .delivered }
        XCTAssertEqual(delivered.map { $0.trace?.file }, ["dns.pcap", "dns.pcap", "dns.pcap"])
        XCTAssertEqual(delivered.map { $0.trace?.frame }, [1, 2, 3])
        XCTAssertTrue(delivered[0].jsonLine.contains("\"trace\":{\"file\":\"dns.pcap\",\"frame\":1}"))
    }
}
