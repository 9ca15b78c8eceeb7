import NetAddress
import Routing
@testable import Sim
import WireGuard
import XCTest

/// The build's own shortcuts (session 16): the allowed IPs wg-quick routes, each once and
/// longest first without a `Set` or a sort (`uniqueLongestFirst`, `PrefixKey`), and the node a
/// peer names, looked for first where the last one was (`nodePosition(of:guess:)`).
final class BuildLookupsTests: XCTestCase {
    /// What `uniqueLongestFirst` replaced: a set of the prefixes seen, then a stable sort of the
    /// first appearances by length, longest first.
    private func setAndSort(_ peers: [PeerSpec]) -> [IPPrefix] {
        var seen = Set<IPPrefix>()
        let prefixes = peers.flatMap(\.allowedIPs).filter { seen.insert($0).inserted }
        return prefixes.enumerated().sorted { a, b in
            a.element.length != b.element.length ? a.element.length > b.element.length : a.offset < b.offset
        }.map(\.element)
    }

    func testUniqueLongestFirstIsTheSetAndStableSortItReplaced() throws {
        var random = SeededRandom(seed: 5, label: "allowed-ips")
        var peers: [PeerSpec] = []
        for i in 0..<400 {
            var allowed: [IPPrefix] = []
            for _ in 0..<Int(random.next() % 4) {
                let bits = random.next()
                let length = Int(bits >> 56) % 3 == 0 ? Int(bits % 129) : Int(bits % 33)
                if length > 32 || bits & 0x100 != 0 && length <= 32 && bits & 0x200 != 0 {
                    // IPv6, from a small pool so that duplicates occur.
                    let address = IPAddress.v6(IPv6Address(high: 0xFD00_0000_0000_0000 | (bits >> 8) % 7, low: (bits >> 16) % 5))
                    allowed.append(try IPPrefix(address: address, length: min(length, 128)))
                } else {
                    let address = IPAddress.v4(IPv4Address(0x0A00_0000 | UInt32(truncatingIfNeeded: bits >> 20) % 50))
                    allowed.append(try IPPrefix(address: address, length: length))
                }
            }
            peers.append(PeerSpec(peer: .node("p\(i)"), allowedIPs: allowed))
        }
        let (prefixes, order) = Simulation.uniqueLongestFirst(peers)
        let expected = setAndSort(peers)
        XCTAssertEqual(order.map { prefixes[Int($0)] }, expected)
        XCTAssertEqual(Set(prefixes).count, prefixes.count, "each prefix once")
        XCTAssertGreaterThan(peers.reduce(0) { $0 + $1.allowedIPs.count }, expected.count, "the input has duplicates")
        XCTAssertTrue(expected.contains { $0.isIPv4 } && expected.contains { !$0.isIPv4 })
    }

    func testUniqueLongestFirstOfAHubKeepsFirstAppearancesInPeerOrder() throws {
        // A generated hub's peers: a /32 each and a /24 that repeats every 4 peers.
        let peers = try (0..<10).map { i in
            PeerSpec(peer: .node("p\(i)"), allowedIPs: [try IPPrefix(parsing: "10.0.0.\(i + 2)/32"),
                                                       try IPPrefix(parsing: "192.168.\(i % 4).0/24")])
        }
        let (prefixes, order) = Simulation.uniqueLongestFirst(peers)
        let ordered = order.map { prefixes[Int($0)].description }
        XCTAssertEqual(ordered, (0..<10).map { "10.0.0.\($0 + 2)/32" } + (0..<4).map { "192.168.\($0).0/24" })
        XCTAssertTrue(Simulation.uniqueLongestFirst([]).order.isEmpty)
    }

    func testPrefixKeysOfEqualPrefixesAreEqualAndHashAlike() throws {
        let a = PrefixKey(try IPPrefix(parsing: "10.1.2.3/24"))
        let b = PrefixKey(try IPPrefix(parsing: "10.1.2.0/24"))
        XCTAssertEqual(a, b)
        XCTAssertEqual(a.hashValue, b.hashValue)
        XCTAssertEqual(a.hashValue, a.mixed, "PositionTable reads hashValue: it must be the mixed bits")
        XCTAssertNotEqual(a, PrefixKey(try IPPrefix(parsing: "10.1.2.0/25")))
        XCTAssertNotEqual(a.mixed, PrefixKey(try IPPrefix(parsing: "10.1.2.0/25")).mixed)
        XCTAssertNotEqual(PrefixKey(try IPPrefix(parsing: "0.0.0.0/0")), PrefixKey(try IPPrefix(parsing: "::/0")))
        XCTAssertNotEqual(PrefixKey(try IPPrefix(parsing: "0.0.0.0/0")).mixed, PrefixKey(try IPPrefix(parsing: "::/0")).mixed)
    }

    /// Three nodes whose peers name each other out of node order, and a key given.
    private func triangle() -> [NodeSpec] {
        let wide = SimTestNetwork.prefix("10.0.0.0/8")
        return [
            NodeSpec(name: "a", underlay: SimTestNetwork.address("100.64.0.1"),
                     wireguard: InterfaceSpec(peers: [PeerSpec(peer: .node("c"), allowedIPs: [SimTestNetwork.prefix("10.0.0.3/32")]),
                                                      PeerSpec(peer: .node("b"), allowedIPs: [SimTestNetwork.prefix("10.0.0.2/32")])])),
            NodeSpec(name: "b", underlay: SimTestNetwork.address("100.64.0.2"),
                     wireguard: InterfaceSpec(peers: [PeerSpec(peer: .node("a"), allowedIPs: [wide])])),
            NodeSpec(name: "c", underlay: SimTestNetwork.address("100.64.0.3"),
                     wireguard: InterfaceSpec(peers: [PeerSpec(peer: .node("a"), allowedIPs: [wide])])),
        ]
    }

    func testNodePositionFindsTheNodeWhateverTheGuess() throws {
        let sim = try Simulation(seed: 1, startUnixNanoseconds: 0, nodes: triangle())
        for guess in [-5, -1, 0, 1, 2, 3, 1000, Int.max] {
            XCTAssertEqual(sim.nodePosition(of: "a", guess: guess), 0, "guess \(guess)")
            XCTAssertEqual(sim.nodePosition(of: "b", guess: guess), 1, "guess \(guess)")
            XCTAssertEqual(sim.nodePosition(of: "c", guess: guess), 2, "guess \(guess)")
            XCTAssertNil(sim.nodePosition(of: "d", guess: guess), "guess \(guess)")
        }
    }

    /// Peers that name nodes out of order (the guess misses) get the keys of the nodes they name,
    /// and a name that is no node is still reported.
    func testPeersNamingNodesOutOfOrderGetTheirNodesKeys() throws {
        let sim = try Simulation(seed: 1, startUnixNanoseconds: 0, nodes: triangle())
        for name in ["a", "b", "c"] {
            XCTAssertEqual(sim.publicKey(of: name), Simulation.derivedPrivateKey(seed: 1, node: name).publicKey)
        }
        var broken = triangle()
        broken[0].wireguard?.peers.append(PeerSpec(peer: .node("nobody"), allowedIPs: [SimTestNetwork.prefix("10.0.0.9/32")]))
        XCTAssertThrowsError(try Simulation(seed: 1, startUnixNanoseconds: 0, nodes: broken)) { error in
            XCTAssertEqual("\(error)", "node 'a': peer 'nobody' is not a node of the scenario")
        }
    }
}

/// Two nodes on one underlay address are refused, naming the first node then the second, and
/// each node is found by its own address otherwise.
final class UnderlayIndexSetUpTests: XCTestCase {
    func testNodesSharingAnUnderlayAddressAreRefused() {
        let nodes = ["a", "b", "c"].map { NodeSpec(name: $0, underlay: SimTestNetwork.address("100.64.0.\($0 == "c" ? 1 : 2)")) }
        XCTAssertThrowsError(try Simulation(seed: 1, startUnixNanoseconds: 0, nodes: nodes)) { error in
            XCTAssertEqual("\(error)", "nodes 'a' and 'b' share underlay address 100.64.0.2")
        }
    }

    func testEachNodeIsIndexedUnderItsOwnAddress() throws {
        let nodes = (0..<50).map { NodeSpec(name: "n\($0)", underlay: SimTestNetwork.address("100.64.1.\($0 + 1)")) }
        let sim = try Simulation(seed: 1, startUnixNanoseconds: 0, nodes: nodes)
        for i in 0..<50 { XCTAssertEqual(sim.nodeByUnderlay[SimTestNetwork.address("100.64.1.\(i + 1)")], i) }
        XCTAssertNil(sim.nodeByUnderlay[SimTestNetwork.address("100.64.1.51")])
    }
}
