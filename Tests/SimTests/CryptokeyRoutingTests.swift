import Packet
import Routing
@testable import Sim
import WireGuard
import XCTest

/// Cryptokey routing across three nodes: the founding thread (seed/…-thread.txt) and the receive
/// path's source check (wireguard-behaviour.md §3.1 step 12).
final class CryptokeyRoutingTests: XCTestCase {
    typealias N = SimTestNetwork

    /// server 192.168.0.1/16 with ABCD = 192.168.32.0/24 and EFGH = 192.168.32.19/32; both
    /// clients claim 192.168.32.19 as their own tunnel address.
    private func seedOverlap() throws -> Simulation {
        try Simulation(seed: 7, startUnixNanoseconds: N.start, nodes: [
            N.node("server", underlay: "203.0.113.1", wg: ["192.168.0.1/16"], peers: [
                N.peer("ABCD", ["192.168.32.0/24"], endpoint: false),
                N.peer("EFGH", ["192.168.32.19/32"], endpoint: false),
            ]),
            N.node("ABCD", underlay: "198.51.100.10", wg: ["192.168.32.19/24"], peers: [N.peer("server", ["192.168.0.0/16"])]),
            N.node("EFGH", underlay: "198.51.100.20", wg: ["192.168.32.19/24"], peers: [N.peer("server", ["192.168.0.0/16"])]),
        ])
    }

    /// "the routing table lookups will always match on the most specific match, so ABCD will not
    /// be able to send or receive packets for 192.168.32.19/32" (§1.7 longest-prefix match).
    func testSeedThreadMostSpecificMatchSendsToEFGHAndDropsABCDsSource() throws {
        let sim = try seedOverlap()
        XCTAssertEqual(sim.lookup(node: "server", address: N.address("192.168.32.19"))?.peer, "EFGH")
        XCTAssertEqual(sim.lookup(node: "server", address: N.address("192.168.32.19"))?.candidates.map(\.peer), ["ABCD"])
        XCTAssertEqual(sim.lookup(node: "server", address: N.address("192.168.32.20"))?.peer, "ABCD")
        // Both clients ping the server from 192.168.32.19; only EFGH's echo is accepted.
        N.ping(sim, from: "ABCD", to: "192.168.0.1", at: 1)
        N.ping(sim, from: "EFGH", to: "192.168.0.1", at: 2)
        sim.run()
        let drop = try XCTUnwrap(sim.decisions.first { $0.node == "server" && $0.action == .droppedSrcNotAllowed })
        XCTAssertEqual(drop.peer, "ABCD")
        XCTAssertEqual(drop.src, N.address("192.168.32.19"))
        XCTAssertEqual(N.count(sim, node: "server", "dropped-src-not-allowed"), 1)
        XCTAssertEqual(N.count(sim, node: "server", "delivered"), 1)
        XCTAssertEqual(sim.decisions.first { $0.node == "server" && $0.action == .delivered }?.peer, "EFGH")
        // The server's reply to 192.168.32.19 is encrypted for EFGH, which gets it.
        XCTAssertEqual(sim.decisions.filter { $0.node == "server" && $0.action == .encrypted }.map(\.peer), ["EFGH"])
        XCTAssertEqual(sim.summary().nodes.first { $0.name == "EFGH" }?.echoRepliesReceived, 1)
        XCTAssertEqual(sim.summary().nodes.first { $0.name == "ABCD" }?.echoRepliesReceived, 0)
    }

    /// "After the second command, ABCD has no allowed ips, and EFGH has 192.168.32.19/32" (§1.4:
    /// inserting an existing prefix for another peer moves it).
    func testSeedThreadSameSlash32OnTwoPeersMovesToTheSecond() throws {
        let sim = try seedOverlap()
        let slash32 = try AllowedIPsUpdate(parsing: "192.168.32.19/32")
        sim.schedule(at: N.second, .wgSet(node: "server", peer: .node("ABCD"), allowedIPs: slash32, endpoint: nil,
                                          persistentKeepalive: nil, presharedKey: nil, remove: false))
        sim.schedule(at: N.second, .wgSet(node: "server", peer: .node("EFGH"), allowedIPs: slash32, endpoint: nil,
                                          persistentKeepalive: nil, presharedKey: nil, remove: false))
        sim.run(until: N.second)
        XCTAssertEqual(sim.peerStatus(node: "server").map(\.allowedIPs), [[], [N.prefix("192.168.32.19/32")]])
        XCTAssertTrue(sim.wgShow(node: "server").contains("allowed ips: (none)"))
    }

    /// §3.1 step 12: an inner source that is not the sending peer's is dropped after decryption.
    func testSpoofedInnerSourceIsDroppedAfterDecryption() throws {
        let sim = try N.pair()
        N.ping(sim, from: "client", to: "10.0.0.1", at: 1)
        sim.schedule(at: 2 * N.second, .send(node: "client", packet: InnerPacketSpec(
            destination: N.address("10.0.0.1"), source: N.address("10.0.0.77"), proto: .udp, destinationPort: 53, size: 20)))
        sim.run()
        XCTAssertEqual(N.count(sim, node: "server", "dropped-src-not-allowed"), 1)
        let drop = sim.decisions.first { $0.action == .droppedSrcNotAllowed }
        XCTAssertEqual(drop?.src, N.address("10.0.0.77"))
        XCTAssertEqual(drop?.proto, "udp")
        // Not captured on the server's wg0: tcpdump sees only packets that passed the check.
        XCTAssertEqual(sim.captures().first { $0.name == "server-wg0" }?.packets.count, 2)
    }

    /// §3.3: the endpoint follows the outer source of authenticated packets (roaming).
    func testRoamingClientEndpointFollowsIt() throws {
        let sim = try N.pair()
        N.ping(sim, from: "client", to: "10.0.0.1", at: 1)
        sim.schedule(at: 5 * N.second, .moveUnderlay(node: "client", to: N.address("198.51.100.99")))
        N.ping(sim, from: "client", to: "10.0.0.1", at: 6)
        sim.run()
        let updates = sim.decisions.filter { $0.node == "server" && $0.action == .endpointUpdated }
        XCTAssertEqual(updates.map { $0.endpoint?.description }, ["198.51.100.2:51820", "198.51.100.99:51820"])
        XCTAssertEqual(sim.peerStatus(node: "server").first?.endpoint?.description, "198.51.100.99:51820")
        XCTAssertEqual(sim.summary().nodes.first { $0.name == "client" }?.echoRepliesReceived, 2)
    }

    /// §5.2 retransmit-handshake: an initiation lost on the link is retried after REKEY_TIMEOUT
    /// (5 s + jitter), and the staged packet goes out once the handshake completes.
    func testLostHandshakeIsRetried() throws {
        let sim = try N.pair(links: [LinkSpec(between: ("server", "client"), properties: LinkProperties(loss: 1))])
        N.ping(sim, from: "client", to: "10.0.0.1", at: 1)
        sim.schedule(at: 3 * N.second, .setLink(between: ("client", "server"), LinkChange(loss: 0)))
        sim.run()
        let initiations = sim.decisions.filter { $0.node == "client" && $0.action == .handshakeInitiationSent }
        XCTAssertEqual(initiations.count, 2)
        let retryDelay = initiations[1].t - initiations[0].t
        XCTAssertGreaterThanOrEqual(retryDelay, 5 * N.second)
        XCTAssertLessThan(retryDelay, 5 * N.second + 334_000_000)
        XCTAssertEqual(N.count(sim, node: "client", "dropped-link-loss"), 1)
        XCTAssertEqual(N.count(sim, node: "server", "delivered"), 1)
        XCTAssertEqual(sim.summary().nodes.first { $0.name == "client" }?.echoRepliesReceived, 1)
    }

    /// A full tunnel (0.0.0.0/0) beside the endpoint route: wg-quick's fwmark rule keeps
    /// WireGuard's own datagrams on eth0 while every other destination enters wg0.
    func testFullTunnelStillSendsDatagramsOutOfEth0() throws {
        let sim = try Simulation(seed: 1, startUnixNanoseconds: N.start, nodes: [
            N.node("server", underlay: "203.0.113.1", wg: ["10.0.0.1/24"], peers: [N.peer("client", ["10.0.0.2/32"], endpoint: false)]),
            N.node("client", underlay: "198.51.100.2", wg: ["10.0.0.2/24"], peers: [N.peer("server", ["0.0.0.0/0"])]),
        ])
        N.ping(sim, from: "client", to: "8.8.8.8", at: 1)
        sim.run()
        XCTAssertEqual(sim.decisions.first?.action.rawValue, "routed-to-wg")
        XCTAssertEqual(N.count(sim, node: "client", "encrypted"), 1)
        // The server has no route for 8.8.8.8 into its tunnel and does not forward: the packet
        // arrives, passes the source check and stops at its stack.
        XCTAssertEqual(N.count(sim, node: "server", "delivered"), 1)
    }

    func testDualStackPingOverIPv6Tunnel() throws {
        let sim = try Simulation(seed: 1, startUnixNanoseconds: N.start, nodes: [
            N.node("server", underlay: "2001:db8::1", wg: ["10.0.0.1/24", "fd00::1/64"],
                   peers: [N.peer("client", ["10.0.0.2/32", "fd00::2/128"], endpoint: false)]),
            N.node("client", underlay: "2001:db8::2", wg: ["10.0.0.2/24", "fd00::2/64"],
                   peers: [N.peer("server", ["10.0.0.1/32", "fd00::1/128"])]),
        ])
        N.ping(sim, from: "client", to: "fd00::1", at: 1)
        N.ping(sim, from: "client", to: "10.0.0.1", at: 2)
        sim.run()
        XCTAssertEqual(sim.summary().nodes.first { $0.name == "client" }?.echoRepliesReceived, 2)
        let v6 = sim.decisions.first { $0.node == "server" && $0.action == .delivered }
        XCTAssertEqual(v6?.proto, "icmpv6")
        XCTAssertEqual(v6?.src, N.address("fd00::2"))
        XCTAssertEqual(sim.captures().first { $0.name == "client-eth0" }?.packets.first?.bytes.first.map { $0 >> 4 }, 6)
    }
}
