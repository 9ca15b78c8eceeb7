import Sim
import XCTest
@testable import Scenario

/// The streamed decision tallies (`DecisionTally`, fed by `DecisionStream`) against a count made
/// over the whole kept log with the filter's plain `matches`: the node and time checks made
/// first, and the counts of other actions kept by action position, give the same numbers,
/// other actions and evidence positions.
final class DecisionTallyTests: XCTestCase {
    static let text = """
    name: tallies
    nodes:
      a: {underlay: 10.0.0.1, wireguard: {address: [192.168.0.1/24], peers: [{peer: b, allowed-ips: [192.168.0.2/32], endpoint: b}]}}
      b: {underlay: 10.0.0.2, wireguard: {address: [192.168.0.2/24], peers: [{peer: a, allowed-ips: [192.168.0.0/24]}]}}
    events: [{at: 1s, node: a, ping: 192.168.0.2}, {at: 2s, node: a, ping: 192.168.0.2}, {at: 3s, node: a, ping: 192.168.0.9},
             {at: 4s, node: b, ping: 192.168.0.1}]
    expect:
      - {node: a, action: encrypted, count: 2}
      - {node: a, action: dropped-src-not-allowed, count: 0}
      - {node: a, after: 1.5s, before: 3.5s, action: encrypted}
      - {node: b, proto: icmp, action: delivered, count: 9}
      - {dir: rx, action: decrypted, count: 1}
      - {node: a, after: 2.5s, dst: 192.168.0.0/24, action: dropped-no-peer}
      - {action: encrypted, count: 100}
    """

    func testStreamedTalliesMatchACountOverTheWholeLog() throws {
        let scenario = try ScenarioLoader.load(text: Self.text, file: "tallies.yaml", directory: ".")
        let run = try ScenarioRun(scenario, keepDecisions: true)
        run.run()
        let results = run.finish()
        let log = run.simulation.decisions
        XCTAssertEqual(results.count, scenario.expectations.count)
        XCTAssertGreaterThan(log.count, 20)
        for (index, expectation) in scenario.expectations.enumerated() {
            guard case .decisions(let filter, let action, let count) = expectation.kind else { return XCTFail("\(index)") }
            var matched: [Int] = [], others: [Int] = []
            var otherActions: [String: Int] = [:]
            for (position, record) in log.enumerated()
            where filter.matches(node: record.node, iface: record.ifaceName, dir: record.dir?.rawValue, src: record.src,
                                 dst: record.dst, proto: record.proto, peer: record.peer, t: record.t) {
                if record.action.rawValue == action { matched.append(position) } else {
                    others.append(position)
                    otherActions[record.action.rawValue, default: 0] += 1
                }
            }
            let expected = ExpectationCheck.decisions(expectation, filter: filter, action: action, count: count,
                                                      matched: matched.count, others: otherActions)
            XCTAssertEqual(results[index].passed, expected.passed, "expectation \(index)")
            XCTAssertEqual(results[index].detail, expected.detail, "expectation \(index)")
            let first = Array(matched.prefix(DecisionTally.evidenceLimit))
            let firstOthers = Array(others.prefix(DecisionTally.evidenceLimit))
            XCTAssertEqual(run.expectationEvidence[index],
                           expected.passed || otherActions.isEmpty ? first : first + firstOthers, "expectation \(index)")
        }
        // The scenario is meant to exercise both outcomes and the other actions' hint.
        XCTAssertTrue(results.contains { $0.passed })
        XCTAssertTrue(results.contains { !$0.passed && $0.detail.contains("the same filter matched") })
    }
}
