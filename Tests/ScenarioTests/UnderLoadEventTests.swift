import Sim
import XCTest
@testable import Scenario

/// The `under-load:` event (a wgsim extension): puts a node's wg0 under load so the cookie
/// mechanism of behaviour doc §4.5 can be shown; bad values are refused with file and line.
final class UnderLoadEventTests: XCTestCase {
    private func load(_ events: String, extraNode: String = "") throws -> Scenario {
        try ScenarioLoader.load(text: ScenarioLoaderTests.twoNodes + extraNode + "\nevents:\n" + events,
                                file: "t.yaml", directory: "/nonexistent")
    }

    private func error(_ events: String, extraNode: String = "", line: UInt = #line) throws -> ScenarioError {
        do {
            _ = try load(events, extraNode: extraNode)
        } catch let e as ScenarioError {
            return e
        }
        XCTFail("expected an error", line: line)
        throw ScenarioError(file: "t.yaml", line: nil, "no error")
    }

    func testUnderLoadEventsBecomeUnderLoadActions() throws {
        let s = try load("  - at: 1s\n    node: b\n    under-load: true\n  - at: 3s\n    node: b\n    under-load: false\n")
        XCTAssertEqual(s.events.map(\.at), [1_000_000_000, 3_000_000_000])
        guard case .underLoad(let node, let on) = s.events[0].action else {
            return XCTFail("expected under load, got \(s.events[0].action)")
        }
        XCTAssertEqual(node, "b")
        XCTAssertTrue(on)
        guard case .underLoad(_, let off) = s.events[1].action else {
            return XCTFail("expected under load, got \(s.events[1].action)")
        }
        XCTAssertFalse(off)
    }

    func testBadUnderLoadValueNamesItsLine() throws {
        // twoNodes is 18 lines; `events:` is line 19 and `under-load:` line 22.
        let e = try error("  - at: 1s\n    node: b\n    under-load: heavy\n")
        XCTAssertEqual(e.line, 22, "\(e)")
        XCTAssertTrue(e.message.contains("under-load must be true or false, not 'heavy'"), "\(e)")
    }

    func testUnderLoadRefusesOtherKeysAndPlainNodes() throws {
        let extra = try error("  - at: 1s\n    node: b\n    under-load: true\n    count: 3\n")
        XCTAssertTrue(extra.message.contains("unknown key 'count'"), "\(extra)")
        let plain = try error("  - at: 1s\n    node: h\n    under-load: true\n", extraNode: "\n  h:\n    underlay: 10.0.0.9")
        XCTAssertTrue(plain.message.contains("node 'h' has no wg0"), "\(plain)")
        XCTAssertNotNil(plain.line)
    }
}
