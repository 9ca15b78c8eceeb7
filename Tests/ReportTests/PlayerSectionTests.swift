import Routing
import XCTest
@testable import Report

/// The player's data: one JSON document whose text cannot end its script element, each step
/// with the deciding node's table at that moment and the matched entry.
final class PlayerSectionTests: XCTestCase {
    func snapshot() throws -> RunSnapshot {
        let wide = try IPPrefix(parsing: "192.168.32.0/24"), narrow = try IPPrefix(parsing: "192.168.32.19/32")
        return RunSnapshot(name: "t", nodes: [TopologyNode(name: "server", underlay: try IPAddress(parsing: "203.0.113.1"),
                                                           wireGuardAddresses: [], hasWireGuard: true)],
                           links: [], tables: [
                               PeerTableSnapshot(node: "server", t: 0, entries: [PeerTableEntry(prefix: wide, owner: "ABCD")], decisionIndex: nil),
                               PeerTableSnapshot(node: "server", t: 5_000_000_000,
                                                 entries: [PeerTableEntry(prefix: wide, owner: "ABCD"), PeerTableEntry(prefix: narrow, owner: "EFGH")],
                                                 decisionIndex: 1),
                           ], drops: [], end: 10_000_000_000)
    }

    func step(_ decision: Int, _ t: Int64, prefix: IPPrefix?, text: String) -> RecordedStep {
        RecordedStep(decision: decision, line: decision + 1, t: t, node: "server", iface: "wg0", dir: "tx", action: "encrypted",
                     peer: "EFGH", prefix: prefix, text: text, why: "w", outcome: .delivered, sends: false)
    }

    func testStepsCarryTheTableOfTheirMomentAndNothingCanCloseTheScript() throws {
        let narrow = try IPPrefix(parsing: "192.168.32.19/32")
        let recording = RunRecording(steps: [
            step(0, 1_000_000_000, prefix: nil, text: "before </script><!-- the change"),
            step(2, 6_000_000_000, prefix: narrow, text: "6.000000000 server wg0 tx encrypted: w"),
        ], decisionCount: 3, omitted: [], limits: .standard)
        let json = PlayerSection.json(recording: recording, snapshot: try snapshot())
        XCTAssertFalse(json.contains("<"), json)
        let document = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        let steps = try XCTUnwrap(document["steps"] as? [[String: Any]])
        let tables = try XCTUnwrap(document["tables"] as? [[String: Any]])
        XCTAssertEqual(steps[0]["text"] as? String, "before </script><!-- the change")
        // Each step's words are written once: the why is the text's end when it is (from `whyAt`).
        XCTAssertEqual(steps[0]["why"] as? String, "w")
        XCTAssertNil(steps[0]["whyAt"])
        XCTAssertNil(steps[1]["why"])
        XCTAssertEqual(steps[1]["whyAt"] as? Int, "6.000000000 server wg0 tx encrypted: ".utf16.count)
        XCTAssertEqual(tables.count, 2)
        XCTAssertEqual(tables[try XCTUnwrap(steps[0]["table"] as? Int)]["rows"] as? [[String]], [["192.168.32.0/24", "ABCD"]])
        XCTAssertEqual(tables[try XCTUnwrap(steps[1]["table"] as? Int)]["rows"] as? [[String]],
                       [["192.168.32.0/24", "ABCD"], ["192.168.32.19/32", "EFGH"]])
        XCTAssertEqual(steps[1]["matched"] as? String, "192.168.32.19/32")
        XCTAssertEqual(steps[1]["owner"] as? String, "EFGH")
    }

    func testLargeTablesAreCutWithACount() throws {
        var entries: [PeerTableEntry] = []
        for i in 0..<300 { entries.append(PeerTableEntry(prefix: try IPPrefix(parsing: "10.0.\(i / 256).\(i % 256)/32"), owner: "p\(i)")) }
        let big = RunSnapshot(name: "t", nodes: [], links: [],
                              tables: [PeerTableSnapshot(node: "server", t: 0, entries: entries, decisionIndex: nil)], drops: [], end: 1)
        let recording = RunRecording(steps: [step(0, 0, prefix: entries[299].prefix, text: "x")], decisionCount: 1, omitted: [], limits: .standard)
        let document = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(PlayerSection.json(recording: recording, snapshot: big).utf8)) as? [String: Any])
        let table = try XCTUnwrap((document["tables"] as? [[String: Any]])?.first)
        XCTAssertEqual((table["rows"] as? [[String]])?.count, PlayerSection.tableRows)
        XCTAssertEqual(table["more"] as? Int, 300 - PlayerSection.tableRows)
        // The matched entry is not among the rows shown: the step names it, the script adds its row.
        let step = try XCTUnwrap((document["steps"] as? [[String: Any]])?.first)
        XCTAssertEqual(step["matched"] as? String, "10.0.1.43/32")
        XCTAssertEqual(step["owner"] as? String, "p299")
    }

    func testPageScriptHandlesKeysButtonsAndLinks() {
        let script = PageScript.player
        for piece in ["\"ArrowRight\"", "\"ArrowLeft\"", "player-back", "player-forward", "classList.add(\"current\")",
                      "\"matched\"", "report-steps", "hashchange"] {
            XCTAssertTrue(script.contains(piece), piece)
        }
        XCTAssertFalse(script.contains("http"))
        XCTAssertFalse(script.contains("fetch("))
    }
}
