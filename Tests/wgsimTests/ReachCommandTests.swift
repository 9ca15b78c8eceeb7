import Foundation
import XCTest

/// `wgsim reach` end to end: the shipped network's matrix against its golden text, the JSON
/// shape, and the exit statuses.
final class ReachCommandTests: XCTestCase {
    func testShippedHubNetworkMatchesItsGoldenMatrix() throws {
        let folder = "Scenarios/networks/hub-no-spoke-routes"
        let result = try CLIRunner.run(["reach", folder])
        XCTAssertEqual(result.status, 1, "spoke to spoke fails, so the exit status is 1: \(result.stderr)")
        let golden = try String(contentsOf: CLIRunner.packageRoot.appendingPathComponent("\(folder)/reach.txt"), encoding: .utf8)
        XCTAssertEqual(result.stdout, golden, "regenerate with: wgsim reach \(folder) > \(folder)/reach.txt")
        XCTAssertTrue(result.stdout.contains("alice → bob 10.8.0.3, forward: 9.000000000 alice wg0 tx dropped-no-peer"), result.stdout)
    }

    func testJSONHasOneObjectPerCellWithTheDocumentedKeys() throws {
        let result = try CLIRunner.run(["reach", "--json", "Scenarios/networks/hub-no-spoke-routes"])
        XCTAssertEqual(result.status, 1)
        let lines = result.stdout.split(separator: "\n")
        XCTAssertEqual(lines.count, 8)
        var failures = 0
        for line in lines {
            let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], String(line))
            for key in ["from", "to", "address", "forward", "reply", "reason"] { XCTAssertNotNil(object[key], "\(key) in \(line)") }
            let forward = try XCTUnwrap(object["forward"] as? String), reply = try XCTUnwrap(object["reply"] as? String)
            if forward != "delivered" || reply != "delivered" {
                failures += 1
                XCTAssertFalse((object["reason"] as? String ?? "").isEmpty, String(line))
            }
            if object["from"] as? String == "alice", object["to"] as? String == "bob", object["address"] as? String == "10.8.0.3" {
                XCTAssertEqual(forward, "dropped-no-peer")
                XCTAssertEqual(reply, "not-sent")
                XCTAssertEqual(object["node"] as? String, "alice")
            }
        }
        XCTAssertEqual(failures, 3)
    }

    func testExitZeroWhenEveryCellWorksAndTwoForBadInput() throws {
        let good = try CLIRunner.run(["reach", "Scenarios/networks/hq-branch-laptop"])
        XCTAssertEqual(good.status, 0, good.stdout + good.stderr)
        XCTAssertTrue(good.stdout.contains("16 of 16 cells reach and answer"), good.stdout)
        let site = try CLIRunner.run(["reach", "Scenarios/site-to-site.yaml", "--at", "1s"])
        XCTAssertEqual(site.status, 0, site.stdout + site.stderr)
        for arguments in [["reach", "Scenarios/no-such-file.yaml"], ["reach", "Scenarios/site-to-site.yaml", "--at", "soon"],
                          ["reach", "Scenarios/README.md"]] {
            let bad = try CLIRunner.run(arguments)
            XCTAssertEqual(bad.status, 2, "\(arguments): \(bad.stderr)")
            XCTAssertEqual(bad.stdout, "")
            XCTAssertTrue(bad.stderr.hasPrefix("wgsim reach: "), bad.stderr)
        }
    }
}
