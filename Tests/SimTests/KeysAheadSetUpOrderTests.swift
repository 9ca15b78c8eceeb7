import XCTest
@testable import Sim
import NetAddress
import Routing
import WireGuard

/// With keys derived ahead, the peers of a node that would wait for many of them (a hub) are set
/// aside and configured as their keys come to hand (`Simulation.bringUpNodes`), and the build is
/// otherwise the one made in node order: the same keys, moves and device-ups, and the same first
/// error.
final class KeysAheadSetUpOrderTests: XCTestCase {
    /// Clients c0… with a wg0 each, peering every hub with the same 10.0.0.0/8 (a set-up move
    /// on each client with two hubs or more), and a hub per entry of `hubs` (named hub0…)
    /// peering that many clients from c0 on (their LANs overlap every 256: moves on the hub), at
    /// `hubPositions` in the node list (default: after the clients); then `plain`, with no wg0.
    private func network(clients: Int, hubs: [Int], at hubPositions: [Int]) throws -> [NodeSpec] {
        let everything = try IPPrefix(parsing: "10.0.0.0/8")
        var nodes = (0..<clients).map { i in
            NodeSpec(name: "c\(i)", underlay: .v4(IPv4Address(UInt32(0x6440_0002 + i))),
                     wireguard: InterfaceSpec(peers: hubs.indices.map { PeerSpec(peer: .node("hub\($0)"), allowedIPs: [everything]) }))
        }
        for (k, peering) in hubs.enumerated() {
            let peers = try (0..<peering).map { i in
                PeerSpec(peer: .node("c\(i)"), allowedIPs: [try IPPrefix(parsing: "192.168.\(i % 256).0/24")], endpoint: .node("c\(i)"))
            }
            let hub = NodeSpec(name: "hub\(k)", underlay: .v4(IPv4Address(UInt32(0xCB00_7101 + k))), wireguard: InterfaceSpec(peers: peers))
            nodes.insert(hub, at: hubPositions[k])
        }
        nodes.append(NodeSpec(name: "plain", underlay: .v4(IPv4Address(0xCB00_7201))))
        return nodes
    }

    /// The network built with the key pairs of every wg0 node left to a job started for it.
    private func buildWithKeysAhead(_ specs: [NodeSpec], seed: UInt64 = 3) throws -> Simulation {
        var specs = specs
        let keyed = specs.indices.filter { specs[$0].wireguard != nil }
        let job = DerivedKeyPairs(seed: seed, nodes: keyed, names: keyed.map { specs[$0].name })
        let ahead = Simulation.prepareKeys(in: &specs, seed: seed, leavingForBuild: job)
        XCTAssertNotNil(ahead)
        return try Simulation(seed: seed, startUnixNanoseconds: 0, nodes: specs, keysAhead: ahead)
    }

    private func error(of build: () throws -> Simulation) -> String? {
        do {
            _ = try build()
            return nil
        } catch {
            return "\(error)"
        }
    }

    func testAHubWaitingForAChunkOfKeysIsSetAside() throws {
        // hub0 (node 0) needs 600 keys nobody has taken yet; hub1 (node 1) exactly a chunk;
        // hub2 (node 2) one key fewer than a chunk; hub3 (last) none: its clients took theirs.
        let chunk = KeyPairJob.chunkSize
        let specs = try network(clients: 600, hubs: [600, chunk, chunk - 1, 600], at: [0, 1, 2, 603])
        XCTAssertEqual(try buildWithKeysAhead(specs).nodesSetAside, [0, 1])
        XCTAssertEqual(try Simulation(seed: 3, startUnixNanoseconds: 0, nodes: specs).nodesSetAside, [],
                       "without keys ahead every node keeps its turn")
    }

    func testTheKeysAndDeviceUpsAreThoseOfABuildInNodeOrder() throws {
        // hub1 at 300 has the clients after it pending (c299 on); every client has a move, and
        // the hubs' moves go between theirs when the list is put back in node order.
        let specs = try network(clients: 600, hubs: [600, 600], at: [0, 300])
        let ahead = try buildWithKeysAhead(specs)
        let settled = try Simulation(seed: 3, startUnixNanoseconds: 0, nodes: Simulation.preparingKeys(of: specs, seed: 3))
        XCTAssertEqual(ahead.nodesSetAside, [0, 300])
        for name in ahead.nodeNames { XCTAssertEqual(ahead.publicKey(of: name), settled.publicKey(of: name), name) }
        XCTAssertEqual(ahead.deviceUpBatches.lastOf, settled.deviceUpBatches.lastOf)
        XCTAssertEqual(ahead.scheduledBy, settled.scheduledBy)
        XCTAssertEqual(ahead.progressKey, settled.progressKey)
        let (aheadMoves, settledMoves) = (ahead.allowedIPsMoves.map { "\($0)" }, settled.allowedIPsMoves.map { "\($0)" })
        XCTAssertEqual(aheadMoves.count, settledMoves.count)
        if let first = zip(aheadMoves, settledMoves).first(where: { $0 != $1 }) {
            XCTFail("first move that differs:\n  keys ahead: \(first.0)\n  settled:    \(first.1)")
        }
        XCTAssertGreaterThan(ahead.allowedIPsMoves.count, 0, "the hubs' LAN claims overlap")
    }

    func testTheFirstErrorInNodeOrderIsReported() throws {
        // hub0 (node 0, set aside) names a node without a wg0; c7, later, names no node.
        var specs = try network(clients: 600, hubs: [600], at: [0])
        specs[0].wireguard?.peers.append(PeerSpec(peer: .node("plain")))
        var later = specs
        later[8].wireguard?.peers.append(PeerSpec(peer: .node("ghost")))
        let hubError = "node 'hub0': peer 'plain' has no wireguard interface"
        XCTAssertEqual(error { try buildWithKeysAhead(later) }, hubError)
        XCTAssertEqual(error { try Simulation(seed: 3, startUnixNanoseconds: 0, nodes: later) }, hubError)
        XCTAssertEqual(error { try buildWithKeysAhead(specs) }, hubError)
        // Only the later node broken: its error.
        var fixed = later
        fixed[0].wireguard?.peers.removeLast()
        XCTAssertEqual(error { try buildWithKeysAhead(fixed) }, "node 'c7': peer 'ghost' is not a node of the scenario")
        // A route hub0 cannot add (eth0's default route again), c7 broken too: hub0's, as in node order.
        var routes = later
        routes[0].wireguard?.peers.removeLast()
        routes[0].routes = [RouteSpec(prefix: .allIPv4, device: "eth0")]
        let routeError = error { try Simulation(seed: 3, startUnixNanoseconds: 0, nodes: routes) }
        XCTAssertEqual(routeError?.hasPrefix("node 'hub0': ip route add"), true, routeError ?? "no error")
        XCTAssertEqual(error { try buildWithKeysAhead(routes) }, routeError)
        // Two hubs set aside: hub0 names a node without a wg0, hub1 (node 1) has a route it
        // cannot add: hub0's error, though hub1's route table is built before hub0's peers.
        var hubs = try network(clients: 600, hubs: [600, 600], at: [0, 1])
        hubs[0].wireguard?.peers.append(PeerSpec(peer: .node("plain")))
        hubs[1].routes = [RouteSpec(prefix: .allIPv4, device: "eth0")]
        XCTAssertEqual(error { try buildWithKeysAhead(hubs) }, hubError)
        XCTAssertEqual(error { try Simulation(seed: 3, startUnixNanoseconds: 0, nodes: hubs) }, hubError)
        // hub1's first peer names no node: found as soon as its peers are taken up, beside the
        // clients, long before hub0's last peer (the node without a wg0) is reached: hub0's.
        var early = try network(clients: 600, hubs: [600, 600], at: [0, 1])
        early[0].wireguard?.peers.append(PeerSpec(peer: .node("plain")))
        early[1].wireguard?.peers.insert(PeerSpec(peer: .node("ghost")), at: 0)
        XCTAssertEqual(error { try buildWithKeysAhead(early) }, hubError)
        XCTAssertEqual(error { try Simulation(seed: 3, startUnixNanoseconds: 0, nodes: early) }, hubError)
    }

    func testAQueueGivesThePeersInOrderAcrossItsChunks() {
        let peers = (0..<(2 * PeerQueue.chunkSize + 3)).map { PeerSpec(peer: .node("n\($0)"), persistentKeepalive: $0) }
        for var queue in [PeerQueue(peers), PeerQueue(chunking: peers), PeerQueue(chunking: [])] {
            var taken: [Int] = []
            while let peer = queue.next() { taken.append(peer.persistentKeepalive ?? -1) }
            XCTAssertEqual(taken.count, queue.count)
            XCTAssertEqual(taken, Array(0..<queue.count))
            XCTAssertNil(queue.next())
        }
    }
}
