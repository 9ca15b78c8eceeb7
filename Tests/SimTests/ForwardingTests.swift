import Packet
import Routing
@testable import Sim
import XCTest

/// Site-to-site: two routers with IP forwarding join their LANs through the tunnel; LAN hosts
/// are plain nodes whose route to the other site goes via their router.
final class ForwardingTests: XCTestCase {
    typealias N = SimTestNetwork

    private func sites(forwarding: Bool = true) throws -> Simulation {
        var siteA = N.node("siteA", underlay: "203.0.113.1", wg: ["10.0.0.1/24"],
                           peers: [N.peer("siteB", ["10.0.0.2/32", "192.168.2.0/24"])])
        var siteB = N.node("siteB", underlay: "203.0.113.2", wg: ["10.0.0.2/24"],
                           peers: [N.peer("siteA", ["10.0.0.1/32", "192.168.1.0/24"], endpoint: false)])
        siteA.forwarding = forwarding
        siteB.forwarding = forwarding
        let pcA = NodeSpec(name: "pcA", underlay: N.address("192.168.1.10"), routes: [
            RouteSpec(prefix: N.prefix("192.168.2.0/24"), device: "", via: N.address("203.0.113.1"))])
        let pcB = NodeSpec(name: "pcB", underlay: N.address("192.168.2.20"), routes: [
            RouteSpec(prefix: N.prefix("192.168.1.0/24"), device: "", via: N.address("203.0.113.2"))])
        return try Simulation(seed: 2, startUnixNanoseconds: N.start, nodes: [siteA, siteB, pcA, pcB])
    }

    func testLanToLanPingCrossesTheTunnelBothWays() throws {
        let sim = try sites()
        N.ping(sim, from: "pcA", to: "192.168.2.20", at: 1, count: 2)
        sim.run()
        XCTAssertEqual(sim.summary().nodes.first { $0.name == "pcA" }?.echoRepliesReceived, 2)
        XCTAssertEqual(N.count(sim, node: "siteA", "forwarded"), 4)   // 2 requests out, 2 replies back
        XCTAssertEqual(N.count(sim, node: "siteB", "forwarded"), 4)
        // The inner source stays the LAN host's; siteB's source check allows 192.168.1.0/24 for siteA.
        let delivered = sim.decisions.first { $0.node == "siteB" && $0.action == .delivered }
        XCTAssertEqual(delivered?.src, N.address("192.168.1.10"))
        XCTAssertEqual(delivered?.prefix, N.prefix("192.168.1.0/24"))
        // TTL 64 at pcA, 63 after siteA, 62 after siteB.
        let atPcB = sim.captures().first { $0.name == "pcB-eth0" }?.packets.first?.bytes
        XCTAssertEqual(atPcB?[8], 62)
    }

    func testWithoutForwardingTheRouterKeepsThePacket() throws {
        let sim = try sites(forwarding: false)
        N.ping(sim, from: "pcA", to: "192.168.2.20", at: 1)
        sim.run()
        XCTAssertEqual(N.count(sim, node: "siteA", "forwarded"), 0)
        XCTAssertEqual(N.count(sim, node: "siteA", "routed-to-wg"), 0)
        XCTAssertEqual(sim.summary().nodes.first { $0.name == "pcA" }?.echoRepliesReceived, 0)
    }

    func testTTLRunsOutOnARoutingLoop() {
        var packet = PacketBuilder.echoRequest(from: N.address("10.0.0.1"), to: N.address("10.0.0.2"),
                                               identifier: 1, sequence: 1, payloadSize: 8)
        packet[8] = 2
        let once = Simulation.decrementingTTL(packet)
        XCTAssertEqual(once?[8], 1)
        XCTAssertNotNil(once.map { try? IPv4Repr.parse($0) } ?? nil, "header checksum still verifies")
        XCTAssertNil(once.flatMap(Simulation.decrementingTTL))
    }
}
