@testable import Sim
@testable import WireGuard
import XCTest

/// A simulation with a `decisionObserver` hands it every record, in order, instead of
/// `onDecision`; without one, `onDecision` gets them as before.
final class DecisionObserverTests: XCTestCase {
    typealias N = SimTestNetwork

    private final class Collecting: DecisionObserver {
        var lines: [String] = []
        override func observe(_ record: consuming DecisionRecord) { lines.append(record.jsonLine) }
    }

    private func network() throws -> Simulation {
        try Simulation(seed: 3, startUnixNanoseconds: N.start, nodes: [
            N.node("hub", underlay: "203.0.113.1", wg: ["10.0.0.1/8"],
                   peers: [N.peer("a", ["10.0.0.2/32"]), N.peer("b", ["10.0.0.3/32"])]),
            N.node("a", underlay: "100.64.0.2", wg: ["10.0.0.2/32"], peers: [N.peer("hub", ["10.0.0.0/8"], keepalive: 25)]),
            N.node("b", underlay: "100.64.0.3", wg: ["10.0.0.3/32"], peers: [N.peer("hub", ["10.0.0.0/8"], keepalive: 25)]),
        ])
    }

    func testTheObserverTakesEveryRecordInsteadOfOnDecision() throws {
        let plain = try network()
        var expected: [String] = []
        plain.onDecision = { expected.append($0.jsonLine) }
        plain.run(until: 60_000_000_000)

        let observed = try network()
        let observer = Collecting()
        var toClosure = 0
        observed.onDecision = { _ in toClosure += 1 }
        observed.decisionObserver = observer
        observed.run(until: 60_000_000_000)

        XCTAssertGreaterThan(expected.count, 10, "handshakes and keepalives were logged")
        XCTAssertEqual(observer.lines, expected)
        XCTAssertEqual(toClosure, 0, "onDecision is not called while an observer is set")

        // Taken away again, the closure gets the records.
        observed.decisionObserver = nil
        observed.run(until: 200_000_000_000)
        XCTAssertGreaterThan(toClosure, 0)
        XCTAssertEqual(observer.lines.count, expected.count)
    }
}
