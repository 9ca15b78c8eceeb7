import XCTest
@testable import Scenario

/// The kernel gives up after MAX_TIMER_HANDSHAKES + 2 = 20 initiations ("did not complete after
/// 20 attempts", wireguard-behaviour.md §5.2) and purges the staged packets; a scenario can
/// expect exactly that through the `handshake-gave-up` extension action.
final class HandshakeGiveUpTests: XCTestCase {
    static let text = """
    name: give-up
    nodes:
      a: {underlay: 10.0.0.1, wireguard: {address: [10.9.0.1/24], peers: [{peer: b, allowed-ips: [10.9.0.2/32], endpoint: b}]}}
      b: {underlay: 10.0.0.2, wireguard: {address: [10.9.0.2/24], peers: [{peer: a, allowed-ips: [10.9.0.1/32]}]}}
    links: [{between: [a, b], loss: 1.0}]
    events: [{at: 1s, node: a, ping: 10.9.0.2}]
    expect: [{node: a, action: handshake-initiation-sent, count: 20}, {node: a, action: handshake-gave-up, count: 1},
             {node: b, action: handshake-initiation-received, count: 0}]
    """

    func testTwentyInitiationsOnADeadLinkThenGiveUp() throws {
        let scenario = try ScenarioLoader.load(text: Self.text, file: "give-up.yaml", directory: ".")
        let run = try ScenarioRun(scenario)
        run.run()
        let results = run.finish()
        XCTAssertEqual(results.map(\.passed), [true, true, true], results.map(\.detail).joined(separator: "\n"))
    }
}
