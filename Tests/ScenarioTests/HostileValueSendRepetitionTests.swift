import Sim
import XCTest
@testable import Scenario

/// A `send:` with `count:` is one event that repeats itself as the run goes, not `count` events
/// made up front (five sends of a million packets took 1.4 GB before the first packet), and it
/// runs exactly as the same packets written out one by one would: same decisions, same order
/// among events due at the same time, same captures.
final class HostileValueSendRepetitionTests: XCTestCase {
    private static let network = """
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
          peers:
            - peer: a
              allowed-ips: [192.168.0.0/24]
    links:
      - between: [a, b]
        latency: 500ms
    """

    private func load(_ events: String) throws -> Scenario {
        try ScenarioLoader.load(text: Self.network + "\nevents:\n" + events, file: "t.yaml", directory: "/nonexistent")
    }

    /// Every decision as text and every captured packet, after running to the end.
    private func outcome(_ scenario: Scenario) throws -> (decisions: [String], captures: [String]) {
        let run = try ScenarioRun(scenario)
        run.run()
        let decisions = run.simulation.decisions.map {
            "\($0.t) \($0.node) \($0.iface) \($0.dir?.rawValue ?? "-") \($0.action) \($0.src.map { "\($0)" } ?? "-") \($0.dst.map { "\($0)" } ?? "-") \($0.why)"
        }
        let captures = run.simulation.captures().flatMap { capture in
            capture.packets.map { "\(capture.name) \($0.time) \($0.bytes)" }
        }
        return (decisions, captures)
    }

    func testFiveSendsOfAMillionPacketsLoadAsFiveEvents() throws {
        var events = ""
        for port in 1...5 {
            events += "  - at: 1s\n    node: a\n    send: {dst: 192.168.0.2, dport: \(port), count: 1000000, interval: 1ms}\n"
        }
        let scenario = try load(events)
        XCTAssertEqual(scenario.events.count, 5)
        for event in scenario.events {
            guard case .send(_, _, let count, let interval) = event.action else { return XCTFail("\(event.action)") }
            XCTAssertEqual(count, 1_000_000)
            XCTAssertEqual(interval, 1_000_000)
        }
        // Each event has one repetition pending at a time: 9 ms in, each has sent one packet per
        // millisecond (ten, at 1.000 … 1.009 s) and made nothing ahead of time.
        let run = try ScenarioRun(scenario, keepDecisions: false)
        run.run(until: 1_009_000_000)
        XCTAssertEqual(run.simulation.summary().nodes.first { $0.name == "a" }?.originated, 5 * 10)
    }

    func testRepeatedSendsRunExactlyAsTheSameSendsWrittenOut() throws {
        // Ties on purpose: the repetitions fall on the times of other events of the file, before
        // and after the send, and (500 ms each way) on the times replies arrive.
        let compact = """
          - at: 1s
            node: b
            ping: 192.168.0.1
          - at: 0s
            node: a
            send: {dst: 192.168.0.2, dport: 7, count: 4, interval: 1s}
          - at: 2s
            node: a
            send: {dst: 192.168.0.2, dport: 8}
          - at: 1s
            node: a
            send: {dst: 192.168.0.2, dport: 9, count: 3, interval: 0s}
          - at: 3s
            link: [a, b]
            set: {latency: 1s}

        """
        var written = "  - at: 1s\n    node: b\n    ping: 192.168.0.1\n"
        for k in 0..<4 { written += "  - at: \(k)s\n    node: a\n    send: {dst: 192.168.0.2, dport: 7}\n" }
        written += "  - at: 2s\n    node: a\n    send: {dst: 192.168.0.2, dport: 8}\n"
        for _ in 0..<3 { written += "  - at: 1s\n    node: a\n    send: {dst: 192.168.0.2, dport: 9}\n" }
        written += "  - at: 3s\n    link: [a, b]\n    set: {latency: 1s}\n"

        let repeated = try outcome(try load(compact))
        let expanded = try outcome(try load(written))
        XCTAssertEqual(try load(compact).events.count, 5)
        XCTAssertEqual(try load(written).events.count, 10)
        XCTAssertGreaterThan(repeated.decisions.count, 20)
        XCTAssertEqual(repeated.decisions, expanded.decisions)
        XCTAssertEqual(repeated.captures, expanded.captures)
    }

    func testTheLastRepetitionOfASendMustBeWithinTheDuration() throws {
        let text = Self.network + "\nduration: 5s\nevents:\n  - at: 1s\n    node: a\n    send: {dst: 192.168.0.2, count: 6, interval: 1s}\n"
        do {
            _ = try ScenarioLoader.load(text: text, file: "t.yaml", directory: "/nonexistent")
            XCTFail("a send whose last packet is after the duration loaded")
        } catch let e as ScenarioError {
            XCTAssertEqual(e.line, 23, e.description)
            XCTAssertTrue(e.message.contains("last packet of this send, at 6s, is after duration 5s"), e.description)
        }
    }
}
