import Foundation
import XCTest

/// `wgsim reach` end to end: the shipped network's matrix against its golden text, the JSON
/// shape, and the exit statuses.
final class ReachCommandTests: XCTestCase {
    func testShippedHubNetworkMatchesItsGoldenMatrix() throws {
        let folder = "Scenarios/networks/hub-spoke-lan"
        let result = try CLIRunner.run(["reach", folder])
        XCTAssertEqual(result.status, 1, "alice cannot reach bob's LAN, so the exit status is 1: \(result.stderr)")
        let golden = try String(contentsOf: CLIRunner.packageRoot.appendingPathComponent("\(folder)/reach.txt"), encoding: .utf8)
        XCTAssertEqual(result.stdout, golden, "regenerate with: wgsim reach \(folder) > \(folder)/reach.txt")
        XCTAssertTrue(result.stdout.contains("alice → bob 192.168.50.1 (LAN 192.168.50.0/24), forward: 10.000000000 alice eth0 tx dropped-no-host"),
                      result.stdout)
    }

    func testJSONHasOneObjectPerCellWithTheDocumentedKeys() throws {
        let result = try CLIRunner.run(["reach", "--json", "Scenarios/networks/hub-spoke-lan"])
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
            if object["from"] as? String == "alice", object["to"] as? String == "bob", object["address"] as? String == "192.168.50.1" {
                XCTAssertEqual(forward, "dropped-no-host")
                XCTAssertEqual(reply, "not-sent")
                XCTAssertEqual(object["node"] as? String, "alice")
                XCTAssertEqual(object["lan"] as? String, "192.168.50.0/24")
            }
        }
        XCTAssertEqual(failures, 1)
    }

    /// The lesson's fix: alice's AllowedIPs worked out with `calc` (everything but her own home
    /// LAN and the hub's endpoint) carry bob's LAN too, and every cell then works.
    func testTheLessonsFixReachesEverything() throws {
        let calc = try CLIRunner.run(["calc", "0.0.0.0/0", "-", "192.168.1.0/24,198.51.100.1"])
        XCTAssertEqual(calc.status, 0)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("wgsim-reach-\(getpid())/hub-spoke-lan")
        try? FileManager.default.removeItem(at: folder)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder.deletingLastPathComponent()) }
        let source = CLIRunner.packageRoot.appendingPathComponent("Scenarios/networks/hub-spoke-lan")
        for name in ["hub.conf", "alice.conf", "bob.conf"] {
            var text = try String(contentsOf: source.appendingPathComponent(name), encoding: .utf8)
            if name == "alice.conf" {
                text = text.replacingOccurrences(of: "AllowedIPs = 10.8.0.0/24", with: "AllowedIPs = \(calc.stdout.trimmingCharacters(in: .newlines))")
            }
            try text.write(to: folder.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
        let result = try CLIRunner.run(["reach", folder.path])
        XCTAssertEqual(result.status, 0, result.stdout + result.stderr)
        XCTAssertTrue(result.stdout.contains("8 of 8 cells reach and answer"), result.stdout)
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
