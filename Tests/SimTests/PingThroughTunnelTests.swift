import Packet
import Routing
@testable import Sim
import WireGuard
import XCTest

/// Two nodes, real Devices: the whole pipeline of wireguard-behaviour.md §2 and §3.
final class PingThroughTunnelTests: XCTestCase {
    typealias N = SimTestNetwork

    func testPingCompletesHandshakeAndEchoReplyComesBack() throws {
        let sim = try N.pair()
        N.ping(sim, from: "client", to: "10.0.0.1", at: 1, count: 3)
        sim.run()
        XCTAssertEqual(Array(N.actions(sim, node: "client").prefix(3)),
                       ["routed-to-wg", "queued", "handshake-initiation-sent"])
        XCTAssertEqual(N.count(sim, node: "server", "handshake-initiation-received"), 1)
        XCTAssertEqual(N.count(sim, node: "server", "delivered"), 3)
        XCTAssertEqual(N.count(sim, node: "client", "delivered"), 3)
        let client = sim.summary().nodes.first { $0.name == "client" }
        XCTAssertEqual(client?.echoRepliesReceived, 3)
        XCTAssertEqual(client?.originated, 3)
        XCTAssertEqual(sim.summary().nodes.first { $0.name == "server" }?.echoRequestsAnswered, 3)
        // The first echo waited for the handshake: 1 ms there, 1 ms back, then 1 ms each way.
        let firstDelivery = sim.decisions.first { $0.node == "server" && $0.action == .delivered }
        XCTAssertEqual(firstDelivery?.t, N.second + 3_000_000)
        XCTAssertEqual(firstDelivery?.peer, "client")
        XCTAssertEqual(firstDelivery?.prefix, N.prefix("10.0.0.2/32"))
    }

    /// Captures: eth0 holds outer UDP datagrams between the listen ports; wg0 holds the plaintext
    /// inner packets leaving (as they enter wg0) and arriving (after the source check).
    func testCapturesShowOuterDatagramsOnEth0AndInnerPacketsOnWg0() throws {
        let sim = try N.pair()
        N.ping(sim, from: "client", to: "10.0.0.1", at: 1)
        sim.run()
        let captures = Dictionary(uniqueKeysWithValues: sim.captures().map { ($0.name, $0.packets) })
        XCTAssertEqual(sim.captures().map(\.name), ["server-eth0", "server-wg0", "client-eth0", "client-wg0"])
        let clientEth0 = try XCTUnwrap(captures["client-eth0"])
        // initiation out, response in, data out, data in, and the 10 s keepalive out.
        XCTAssertEqual(clientEth0.map { $0.bytes.count - 28 }, [148, 92, 128, 128, 32])
        for packet in clientEth0 {
            let summary = try IPPacketSummary(parsing: packet.bytes)
            XCTAssertEqual(summary.protocolNumber, 17)
            XCTAssertEqual(summary.sourcePort, 51820)
            XCTAssertEqual(summary.destinationPort, 51820)
        }
        let clientWg0 = try XCTUnwrap(captures["client-wg0"])
        XCTAssertEqual(clientWg0.count, 2)
        XCTAssertEqual(try IPPacketSummary(parsing: clientWg0[0].bytes).destination, N.address("10.0.0.1"))
        XCTAssertEqual(try IPPacketSummary(parsing: clientWg0[1].bytes).source, N.address("10.0.0.1"))
        XCTAssertEqual(clientWg0[1].time, N.second + 4_000_000)
        XCTAssertEqual(captures["server-wg0"]?.count, 2)
    }

    func testKeyLogHasBothStaticKeysAndTheEphemeralsOnce() throws {
        let sim = try N.pair()
        N.ping(sim, from: "client", to: "10.0.0.1", at: 1, count: 2)
        sim.run(until: 10 * N.second)
        let kinds = sim.keyLog.compactMap { $0.split(separator: " ").first.map(String.init) }
        XCTAssertEqual(Set(sim.keyLog).count, sim.keyLog.count)
        XCTAssertEqual(kinds.filter { $0 == "LOCAL_STATIC_PRIVATE_KEY" }.count, 2)
        XCTAssertEqual(kinds.filter { $0 == "LOCAL_EPHEMERAL_PRIVATE_KEY" }.count, 2)
    }

    /// §2 step 2: no peer's allowed IPs match → drop, ICMP host unreachable to the sender.
    func testNoPeerDropsAndSendsIcmpHostUnreachableToTheSender() throws {
        let sim = try N.pair()
        N.ping(sim, from: "client", to: "10.0.0.99", at: 1)
        sim.run()
        XCTAssertEqual(N.actions(sim, node: "client"), ["routed-to-wg", "dropped-no-peer", "icmp-unreachable"])
        let icmp = try XCTUnwrap(sim.decisions.last?.packet)
        XCTAssertEqual(icmp[9], 1)                               // ICMP
        XCTAssertEqual(Array(icmp[20...21]), [3, 1])             // type 3 code 1: host unreachable
        XCTAssertEqual(sim.decisions.last?.src, N.address("10.0.0.2"))
        XCTAssertEqual(sim.decisions.last?.dst, N.address("10.0.0.2"))
        XCTAssertEqual(sim.captures().first { $0.name == "client-eth0" }?.packets.count, 0)
    }

    /// §2 step 2: a peer without an endpoint cannot be reached; same ICMP, nothing staged.
    func testPeerWithoutEndpointDropsWithIcmp() throws {
        let sim = try N.pair(clientKnowsServer: false)
        N.ping(sim, from: "client", to: "10.0.0.1", at: 1)
        sim.run()
        XCTAssertEqual(N.actions(sim, node: "client"), ["routed-to-wg", "dropped-no-endpoint", "icmp-unreachable"])
    }

    /// A destination outside every wg0 route goes to eth0's default route, not into the tunnel.
    func testOffTunnelDestinationIsRoutedElsewhere() throws {
        let sim = try N.pair()
        N.ping(sim, from: "client", to: "192.0.2.55", at: 1)
        sim.run()
        XCTAssertEqual(N.actions(sim, node: "client").first, "routed-elsewhere")
        XCTAssertEqual(sim.decisions.first?.ifaceName, "eth0")
        XCTAssertEqual(N.count(sim, node: "client", "dropped-no-host"), 1)
    }

    /// A plain host (no wg0) answers pings over the underlay.
    func testPlainUnderlayPingToAnotherHost() throws {
        let sim = try Simulation(seed: 1, startUnixNanoseconds: 0, nodes: [
            NodeSpec(name: "a", underlay: N.address("192.0.2.1")),
            NodeSpec(name: "b", underlay: N.address("192.0.2.2")),
        ])
        N.ping(sim, from: "a", to: "192.0.2.2", at: 1)
        sim.run()
        XCTAssertEqual(sim.summary().nodes[0].echoRepliesReceived, 1)
        XCTAssertEqual(sim.captures().map { $0.packets.count }, [2, 2])
    }

    /// `send:` events make well-formed UDP, TCP, ICMP and bare-protocol packets that cross the tunnel.
    func testSendEventsOfEveryProtocolCrossTheTunnel() throws {
        let sim = try N.pair()
        for proto in [InnerProtocol.udp, .tcp, .icmp, .number(47)] {
            sim.schedule(at: N.second, .send(node: "client", packet: InnerPacketSpec(
                destination: N.address("10.0.0.1"), proto: proto, destinationPort: 80, size: 100)))
        }
        sim.schedule(at: 2 * N.second, .send(node: "client", packet: InnerPacketSpec(
            destination: N.address("10.0.0.1"), proto: .udp, size: 1_000_000)))
        sim.run()
        let delivered = sim.decisions.filter { $0.node == "server" && $0.action == .delivered }
        XCTAssertEqual(delivered.compactMap(\.proto), ["udp", "tcp", "icmp", "47"])
        XCTAssertEqual(delivered.prefix(4).compactMap(\.len), [128, 140, 128, 120])
        // The oversized request is clamped to what an IPv4 packet can hold; the stack does not
        // fragment it (not modelled), so its datagram exceeds the link MTU and is dropped there.
        XCTAssertEqual(sim.decisions.first { $0.node == "client" && $0.t == 2 * N.second }?.len, 65535)
        XCTAssertEqual(N.count(sim, node: "client", "dropped-link-mtu"), 1)
    }

    /// What the devices do as they come up (a persistent keepalive's first handshake) happens in
    /// the run, so a decision stream attached after building the simulation sees all of it.
    func testDecisionsAtBringUpReachTheStream() throws {
        let sim = try Simulation(seed: 1, startUnixNanoseconds: N.start, nodes: [
            N.node("server", underlay: "203.0.113.1", wg: ["10.0.0.1/24"], peers: [N.peer("client", ["10.0.0.2/32"], endpoint: false)]),
            N.node("client", underlay: "198.51.100.2", wg: ["10.0.0.2/24"], peers: [N.peer("server", ["10.0.0.1/32"], keepalive: 25)]),
        ])
        var streamed: [String] = []
        sim.onDecision = { streamed.append($0.jsonLine) }
        sim.run(until: 30 * N.second)
        XCTAssertEqual(streamed, sim.decisions.map(\.jsonLine))
        XCTAssertEqual(sim.decisions.first?.action.rawValue, "handshake-initiation-sent")
        XCTAssertEqual(sim.decisions.first?.t, 0)
    }
}
