import Routing
import Sim
import XCTest
@testable import Scenario

/// docs/scenario-reference.md: every key read, unknown keys and bad values refused with file and line.
final class ScenarioLoaderTests: XCTestCase {
    static let twoNodes = """
    name: t
    nodes:
      a:
        underlay: 10.0.0.1
        wireguard:
          address: [192.168.0.1/24]
          peers:
            - peer: b
              allowed-ips: [192.168.0.2/32]
              endpoint: b
      b:
        underlay: 10.0.0.2
        wireguard:
          address: 192.168.0.2/24
          listen-port: 51821
          peers:
            - peer: a
              allowed-ips: [192.168.0.0/24]
    """

    func load(_ text: String) throws -> Scenario {
        try ScenarioLoader.load(text: text, file: "t.yaml", directory: "/nonexistent")
    }

    /// The error a text gives, or a failure if it loads.
    func error(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> ScenarioError? {
        do {
            _ = try load(text)
            XCTFail("expected an error", file: file, line: line)
            return nil
        } catch let e as ScenarioError {
            return e
        } catch {
            XCTFail("not a ScenarioError: \(error)", file: file, line: line)
            return nil
        }
    }

    func testAValidScenarioLoadsWithDefaults() throws {
        let s = try load(Self.twoNodes)
        XCTAssertEqual(s.name, "t")
        XCTAssertEqual(s.seed, 1)
        XCTAssertNil(s.duration)
        XCTAssertEqual(s.startUnixNanoseconds, Scenario.defaultStartUnixNanoseconds)
        XCTAssertEqual(s.nodes.map(\.name), ["a", "b"])
        let a = try XCTUnwrap(s.nodes[0].wireguard)
        XCTAssertEqual(a.listenPort, 51820)
        XCTAssertEqual(a.mtu, 1420)
        XCTAssertEqual(a.peers.first?.peer, .node("b"))
        XCTAssertEqual(a.peers.first?.endpoint, .node("b"))
        XCTAssertEqual(s.nodes[1].wireguard?.addresses.map(\.description), ["192.168.0.2/24"])
        XCTAssertEqual(s.nodes[1].wireguard?.listenPort, 51821)
    }

    func testUnknownKeyIsRefusedWithItsLineAndASuggestion() throws {
        let e = try XCTUnwrap(error(Self.twoNodes + "\nduraton: 5s\n"))
        XCTAssertEqual(e.file, "t.yaml")
        XCTAssertEqual(e.line, 19)
        XCTAssertTrue(e.message.contains("unknown key 'duraton'"), e.message)
        XCTAssertTrue(e.message.contains("did you mean 'duration'"), e.message)
    }

    func testUnknownKeyInsideAPeerNamesItsLine() throws {
        let text = Self.twoNodes.replacingOccurrences(of: "allowed-ips: [192.168.0.2/32]", with: "allowed-ip: [192.168.0.2/32]")
        let e = try XCTUnwrap(error(text))
        XCTAssertEqual(e.line, 9)
        XCTAssertTrue(e.message.contains("'allowed-ip'"), e.message)
    }

    func testBadCIDRNamesTheLine() throws {
        let e = try XCTUnwrap(error(Self.twoNodes.replacingOccurrences(of: "192.168.0.2/32", with: "192.168.0.300/32")))
        XCTAssertEqual(e.line, 9)
        XCTAssertTrue(e.message.contains("allowed-ips"), e.message)
    }

    func testUnknownNodeAsPeerIsRefused() throws {
        let e = try XCTUnwrap(error(Self.twoNodes.replacingOccurrences(of: "- peer: b", with: "- peer: c")))
        XCTAssertEqual(e.line, 8)
        XCTAssertTrue(e.message.contains("'c'"), e.message)
    }

    func testBadBase64KeyIsRefused() throws {
        let text = Self.twoNodes.replacingOccurrences(of: "    wireguard:\n      address: [192.168.0.1/24]",
                                                      with: "    wireguard:\n      private-key: notbase64\n      address: [192.168.0.1/24]")
        let e = try XCTUnwrap(error(text))
        XCTAssertEqual(e.line, 6)
        XCTAssertTrue(e.message.contains("private-key"), e.message)
    }

    func testDurationsEventsAndExpectationsAreRead() throws {
        let text = Self.twoNodes + """

        duration: 30s
        seed: 9
        events:
          - at: 2s
            node: a
            ping: 192.168.0.2
            count: 3
          - at: 1s
            node: a
            run: wg set wg0 peer b allowed-ips +192.168.0.3/32 persistent-keepalive 25
          - at: 1s
            node: b
            send: {dst: 192.168.0.1, proto: udp, dport: 53, size: 40, count: 2, interval: 10ms}
          - at: 3s
            link: [a, b]
            set: {loss: 1.0}
          - at: 4s
            node: b
            underlay: 10.0.0.99
        expect:
          - at: 1.5s
            node: a
            lookup: 192.168.0.3
            peer: b
          - node: b
            delivered: 3
          - node: a
            dst: 192.168.0.0/24
            action: encrypted
            after: 1s
            before: 3s
        """
        let s = try load(text)
        XCTAssertEqual(s.duration, 30_000_000_000)
        XCTAssertEqual(s.seed, 9)
        // Time order, ties in file order; send with count 2 expands to two sends 10 ms apart.
        // File order (the simulation orders by time); a send with count 2 stays one event.
        XCTAssertEqual(s.events.map(\.at), [2_000_000_000, 1_000_000_000, 1_000_000_000, 3_000_000_000, 4_000_000_000])
        guard case .wgSet(let node, let peer, let update, _, let keepalive, _, let remove) = s.events[1].action else {
            return XCTFail("expected wg set, got \(s.events[1].action)")
        }
        guard case .send(let sender, let packet, let sendCount, let interval) = s.events[2].action else {
            return XCTFail("expected send, got \(s.events[2].action)")
        }
        XCTAssertEqual(sender, "b")
        XCTAssertEqual(packet.destinationPort, 53)
        XCTAssertEqual(sendCount, 2)
        XCTAssertEqual(interval, 10_000_000)
        XCTAssertEqual(node, "a")
        XCTAssertEqual(peer, .node("b"))
        XCTAssertNotNil(update)
        XCTAssertEqual(keepalive, 25)
        XCTAssertFalse(remove)
        XCTAssertEqual(s.expectations.count, 3)
        guard case .decisions(let filter, let action, let count) = s.expectations[1].kind else { return XCTFail() }
        XCTAssertEqual(filter.node, "b")
        XCTAssertEqual(action, "delivered")
        XCTAssertEqual(count, 3)
    }

    func testEventErrorsNameTheirLine() throws {
        let cases: [(String, Int, String)] = [
            ("events:\n  - at: 1s\n    node: z\n    ping: 192.168.0.2\n", 21, "unknown node 'z'"),
            ("events:\n  - at: soon\n    node: a\n    ping: 192.168.0.2\n", 20, "invalid duration"),
            ("events:\n  - at: 1s\n    node: a\n    run: wg set wg0 peer nobody allowed-ips 10.0.0.0/8\n", 22, "neither a node"),
            ("events:\n  - at: 1s\n    node: a\n    run: ip route add 10.0.0.0/33 dev wg0\n", 22, "route prefix"),
            ("events:\n  - at: 1s\n    node: a\n    ping: 192.168.0.2\n    send: {dst: 192.168.0.2}\n", 20, "does one thing"),
            ("events:\n  - at: 1s\n    node: a\n    replay: missing.pcap\n", 22, "missing.pcap"),
            ("expect:\n  - node: a\n    action: encrypt\n", 21, "did you mean 'encrypted'"),
        ]
        for (suffix, line, fragment) in cases {
            let e = try XCTUnwrap(error(Self.twoNodes + "\n" + suffix), suffix)
            XCTAssertEqual(e.line, line, "\(suffix) → \(e)")
            XCTAssertTrue(e.message.contains(fragment), "\(suffix) → \(e)")
        }
    }

    func testEventsAndLookupsAfterTheDurationAreRefused() throws {
        let late = try XCTUnwrap(error(Self.twoNodes + "\nduration: 5s\nevents:\n  - at: 6s\n    node: a\n    ping: 192.168.0.2\n"))
        XCTAssertEqual(late.line, 21)
        XCTAssertTrue(late.message.contains("after duration 5s"), late.message)
        let lookup = try XCTUnwrap(error(Self.twoNodes + "\nduration: 5s\nexpect:\n  - at: 9s\n    node: a\n    lookup: 192.168.0.2\n    peer: b\n"))
        XCTAssertEqual(lookup.line, 21)
    }

    func testDuplicateKeysAreRefused() throws {
        let e = try XCTUnwrap(error("name: t\nnodes:\n  a: {underlay: 10.0.0.1, underlay: 10.0.0.2}\n"))
        XCTAssertEqual(e.line, 3)
        XCTAssertTrue(e.message.contains("'underlay' appears twice"), e.message)
    }

    // Two hosts with one underlay address could not both receive: the second names the first.
    func testSharedUnderlayNamesTheNodeThatHadItFirst() throws {
        let e = try XCTUnwrap(error("name: t\nnodes:\n  a: {underlay: 10.0.0.1}\n  b: {underlay: 10.0.0.2}\n  c: {underlay: 10.0.0.1}\n"))
        XCTAssertEqual(e.line, 5)
        XCTAssertTrue(e.message.contains("node 'c' has underlay 10.0.0.1, already the underlay of 'a'"), e.message)
    }

    func testYAMLSyntaxErrorNamesTheLine() throws {
        let e = try XCTUnwrap(error("name: t\nnodes:\n  a: [unclosed\n"))
        XCTAssertEqual(e.file, "t.yaml")
        XCTAssertNotNil(e.line)
    }

    func testMissingFileIsAnErrorNamingIt() {
        XCTAssertThrowsError(try ScenarioLoader.load(path: "/nonexistent/x.yaml")) { error in
            XCTAssertEqual((error as? ScenarioError)?.file, "/nonexistent/x.yaml")
        }
    }

    func testAPeerWithoutWireGuardIsRefusedAtItsLineNotWhenTheNetworkIsBuilt() throws {
        let text = """
        name: t
        nodes:
          a:
            underlay: 10.0.0.1
            wireguard:
              peers:
                - allowed-ips: [192.168.0.2/32]
                  peer: c
          c:
            underlay: 10.0.0.3
        """
        let e = try XCTUnwrap(error(text))
        XCTAssertEqual(e.line, 7, e.description)
        XCTAssertTrue(e.message.contains("peer 'c' has no wg0"), e.description)
        let command = try XCTUnwrap(error(Self.twoNodes + "\n  c:\n    underlay: 10.0.0.3\nevents:\n  - at: 1s\n    node: a\n    run: wg set wg0 peer c allowed-ips 10.9.0.0/16\n"))
        XCTAssertEqual(command.line, 24, command.description)
        XCTAssertTrue(command.message.contains("peer 'c' has no wg0"), command.description)
    }

    func testARouteTheKernelWouldRefuseAtSetUpIsRefusedAtItsLine() throws {
        let text = """
        name: t
        nodes:
          a:
            underlay: 10.0.0.1
            wireguard:
              address: [192.168.0.1/24]
            routes:
              - 10.9.0.0/16 dev eth0
              - 192.168.0.0/24 dev wg0
        """
        let e = try XCTUnwrap(error(text))
        XCTAssertEqual(e.line, 9, e.description)
        XCTAssertTrue(e.message.contains("node 'a': ip route add 192.168.0.0/24 dev wg0: RTNETLINK answers: File exists"), e.description)
        let noDevice = try XCTUnwrap(error("name: t\nnodes:\n  a:\n    underlay: 10.0.0.1\n    routes: [10.9.0.0/16 dev wg0]\n"))
        XCTAssertEqual(noDevice.line, 5, noDevice.description)
        XCTAssertTrue(noDevice.message.contains("Cannot find device \"wg0\""), noDevice.description)
        // The simulator keeps its own check, for callers that build a network without the loader.
        let spec = try load(text.replacingOccurrences(of: "\n      - 192.168.0.0/24 dev wg0", with: "")).nodes[0].spec
        var duplicated = spec
        duplicated.routes.append(RouteSpec(prefix: try IPPrefix(parsing: "192.168.0.0/24"), device: "wg0"))
        XCTAssertThrowsError(try Simulation(seed: 1, startUnixNanoseconds: 0, nodes: [duplicated]))
        XCTAssertNoThrow(try Simulation(seed: 1, startUnixNanoseconds: 0, nodes: [spec]))
    }
}
