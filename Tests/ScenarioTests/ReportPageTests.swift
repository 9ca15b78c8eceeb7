import Foundation
import Report
import Scenario
import XCTest

/// The report page of a shipped scenario: the DOM contract's sections in order, one ladder arrow
/// per player step, expectations linked to arrows that exist, nothing fetched, the same bytes
/// every time.
final class ReportPageTests: XCTestCase {
    func page(_ name: String) throws -> (String, RecordedScenarioRun) {
        let scenario = try ScenarioLoader.load(path: ReportRecordingTests.root.appendingPathComponent("Scenarios/\(name).yaml").path)
        let run = try ReportRun.record(scenario)
        return (run.page, run)
    }

    func matches(_ pattern: String, in text: String) -> [[String]] {
        let regex = try! NSRegularExpression(pattern: pattern, options: [.dotMatchesLineSeparators])
        return regex.matches(in: text, range: NSRange(text.startIndex..., in: text)).map { match in
            (0..<match.numberOfRanges).map { Range(match.range(at: $0), in: text).map { String(text[$0]) } ?? "" }
        }
    }

    func testSectionsFollowTheContractsOrder() throws {
        let (html, _) = try page("seed-overlap")
        XCTAssertTrue(html.hasPrefix("<!DOCTYPE html>\n<html lang=\"en\">"))
        XCTAssertTrue(html.contains("<h1>seed-overlap</h1>"))
        let ids = matches("<section id=\"([a-z]+)\"", in: html).map { $0[1] }
        XCTAssertEqual(ids, ["topology", "tables", "timeline", "ladder", "player", "expectations"])
        for control in ["player-back", "player-forward", "player-position", "player-decision", "player-table"] {
            XCTAssertTrue(html.contains("id=\"\(control)\""), control)
        }
        XCTAssertTrue(html.contains("@media print"))
    }

    func testOneArrowPerStepWithItsLineAndFrame() throws {
        let (html, run) = try page("seed-overlap")
        let arrows = matches("<g class=\"arrow\" id=\"step-([0-9]+)\" data-step=\"([0-9]+)\" data-outcome=\"([a-z]+)\" data-action=\"([a-z0-9-]+)\" data-node=\"[^\"]*\" data-line=\"([0-9]+)\"( data-frame=\"([0-9]+)\")?", in: html)
        XCTAssertEqual(arrows.count, run.recording.steps.count)
        for (k, arrow) in arrows.enumerated() {
            let step = run.recording.steps[k]
            XCTAssertEqual(arrow[1], "\(k)")
            XCTAssertEqual(arrow[2], "\(k)")
            XCTAssertEqual(arrow[3], step.outcome.rawValue)
            XCTAssertEqual(arrow[5], "\(step.line)")
            XCTAssertEqual(arrow[7], step.frame.map { "\($0)" } ?? "")
        }
        // Every outcome is told apart by more than colour: a dropped or lost arrow ends in a cross.
        XCTAssertTrue(html.contains("marker-end=\"url(#ladder-cross-dropped)\""))
        let json = try XCTUnwrap(matches("<script type=\"application/json\" id=\"report-steps\">(.*?)</script>", in: html).first?[1])
        let document = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        let steps = try XCTUnwrap(document["steps"] as? [[String: Any]])
        XCTAssertEqual(steps.count, arrows.count)
        // The player shows the deciding node's table at that moment with the matched prefix:
        // the server's source check of .19 from ABCD matches 192.168.32.19/32 (EFGH's).
        let drop = try XCTUnwrap(steps.first { $0["action"] as? String == "dropped-src-not-allowed" })
        XCTAssertEqual(drop["matched"] as? String, "192.168.32.19/32")
        let tables = try XCTUnwrap(document["tables"] as? [[String: Any]])
        let table = try XCTUnwrap(tables[try XCTUnwrap(drop["table"] as? Int)]["rows"] as? [[String]])
        XCTAssertTrue(table.contains(["192.168.32.19/32", "EFGH"]), "\(table)")
        XCTAssertTrue(table.contains(["192.168.32.0/24", "ABCD"]), "\(table)")
    }

    func testExpectationsLinkToArrowsThatExist() throws {
        let (html, run) = try page("seed-overlap")
        let items = matches("<li class=\"expectation\" data-result=\"(pass|fail)\">(.*?)</li>", in: html)
        XCTAssertEqual(items.count, run.results.count)
        XCTAssertEqual(items.map { $0[1] }, run.results.map { $0.passed ? "pass" : "fail" })
        for item in items {
            let links = matches("href=\"#step-([0-9]+)\"", in: item[2])
            for link in links { XCTAssertTrue(html.contains("id=\"step-\(link[1])\""), link[1]) }
            // Every expectation rests on some decision, except one that expects none and found none.
            if !item[2].contains("found 0") { XCTAssertFalse(links.isEmpty, item[2]) }
        }
        // The source-check expectation links to the drop itself.
        let dropStep = try XCTUnwrap(run.recording.steps.firstIndex { $0.action == "dropped-src-not-allowed" })
        XCTAssertTrue(items.contains { $0[2].contains("dropped-src-not-allowed") && $0[2].contains("href=\"#step-\(dropStep)\"") })
    }

    func testSelfContainedAndDeterministic() throws {
        let (first, _) = try page("lossy-handshake")
        let (second, _) = try page("lossy-handshake")
        XCTAssertEqual(first, second)
        XCTAssertFalse(first.contains("http://"))
        XCTAssertFalse(first.contains("https://"))
        XCTAssertFalse(first.contains("<link"))
        XCTAssertTrue(matches("<(img|script|iframe|link)[^>]* (src|href)=", in: first).isEmpty)
    }

    func testAFailingExpectationIsMarkedAndLinked() throws {
        var scenario = try ScenarioLoader.load(path: ReportRecordingTests.root.appendingPathComponent("Scenarios/seed-overlap.yaml").path)
        // Expect the opposite of what happens: the drop becomes a failure linked to the step that broke it.
        for i in scenario.expectations.indices {
            if case .decisions(let filter, "dropped-src-not-allowed", _) = scenario.expectations[i].kind {
                scenario.expectations[i].kind = .decisions(filter, action: "delivered", count: nil)
            }
        }
        let run = try ReportRun.record(scenario)
        let html = run.page
        let failed = matches("<li class=\"expectation\" data-result=\"fail\">(.*?)</li>", in: html)
        XCTAssertEqual(failed.count, 1)
        let dropStep = try XCTUnwrap(run.recording.steps.firstIndex { $0.action == "dropped-src-not-allowed" })
        XCTAssertTrue(failed[0][1].contains("href=\"#step-\(dropStep)\""), failed[0][1])
    }
}
