import Routing
import Sim
import XCTest
@testable import Scenario

/// Expectations checked against a real run, in file order, including flow-style YAML where
/// several expectations share one line.
final class ScenarioRunCheckTests: XCTestCase {
    static let text = """
    name: flow
    nodes:
      a: {underlay: 10.0.0.1, wireguard: {address: [192.168.0.1/24], peers: [{peer: b, allowed-ips: [192.168.0.2/32], endpoint: b}]}}
      b: {underlay: 10.0.0.2, wireguard: {address: [192.168.0.2/24], peers: [{peer: a, allowed-ips: [192.168.0.0/24]}]}}
    events: [{at: 1s, node: a, ping: 192.168.0.2}, {at: 2s, node: a, run: wg set wg0 peer b allowed-ips 192.168.0.9/32}]
    expect: [{node: b, delivered: 1}, {at: 1.5s, node: a, lookup: 192.168.0.2, peer: b}, {node: a, action: encrypted, count: 7},
             {node: a, lookup: 192.168.0.2, peer: none}]
    """

    func testResultsComeInFileOrderWithLookupsAnsweredAtTheirTime() throws {
        let scenario = try ScenarioLoader.load(text: Self.text, file: "flow.yaml", directory: ".")
        let run = try ScenarioRun(scenario)
        run.run()
        let results = run.finish()
        XCTAssertEqual(results.count, 4)
        XCTAssertEqual(results.map(\.passed), [true, true, false, true])
        XCTAssertTrue(results[1].detail.contains("a lookup 192.168.0.2 → b"), results[1].detail)
        XCTAssertTrue(results[2].detail.contains("expected exactly 7, found 1"), results[2].detail)
        // Without `at`, a lookup is answered at the end: the `wg set` at 2 s replaced b's entry.
        XCTAssertTrue(results[3].detail.contains("→ none"), results[3].detail)
        XCTAssertEqual(results[0].line.prefix(13), "PASS flow.yam")
    }

    func testDecisionFilterPrefixesAndPeerNone() throws {
        var filter = DecisionFilter()
        filter.dst = try IPPrefix(parsing: "192.168.0.0/24")
        filter.peer = "none"
        XCTAssertTrue(filter.matches(node: "a", iface: "wg0", dir: "tx", src: nil, dst: try .init(parsing: "192.168.0.7"),
                                     proto: "udp", peer: nil, t: 5))
        XCTAssertFalse(filter.matches(node: "a", iface: "wg0", dir: "tx", src: nil, dst: try .init(parsing: "192.168.1.7"),
                                      proto: "udp", peer: nil, t: 5))
        XCTAssertFalse(filter.matches(node: "a", iface: "wg0", dir: "tx", src: nil, dst: try .init(parsing: "192.168.0.7"),
                                      proto: "udp", peer: "b", t: 5))
        filter.after = 5
        filter.before = 6
        XCTAssertFalse(filter.matches(node: "a", iface: nil, dir: nil, src: nil, dst: try .init(parsing: "192.168.0.7"),
                                      proto: nil, peer: nil, t: 6), "before is exclusive")
    }
}
