import Foundation
import XCTest

/// `wgsim lint` through the real binary: the shipped examples against their expected output,
/// exit codes, standard input, `--disable`, `--strict`, JSON lines and SARIF.
final class LintCommandTests: XCTestCase {
    static let clean = """
        [Interface]
        PrivateKey = SJwIJoJYGcarLE1DHLxu8SG2yNnOGHE9e+Z8WsSKnnc=
        Address = 10.0.0.2/24

        [Peer]
        PublicKey = BlLVyWxFOASfjVY0R/wr8oYweMi8mBsk5dTMcBDOeWs=
        AllowedIPs = 10.0.0.1/32
        Endpoint = 198.51.100.7:51820

        """

    func temporaryFolder(_ name: String = #function) throws -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("wgsim-lint-tests-\(getpid())-\(name.filter { $0.isLetter || $0.isNumber })")
        try? FileManager.default.removeItem(at: url)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    func testTheShippedLintExamplesGiveTheirExpectedOutput() throws {
        let result = try CLIRunner.run(["lint", "Scenarios/networks/lint-examples", "Scenarios/networks/lint-examples/typos"])
        let expected = try String(contentsOf: CLIRunner.packageRoot.appendingPathComponent("Scenarios/networks/lint-examples/expected-lint.txt"), encoding: .utf8)
        XCTAssertEqual(result.status, 1, result.stderr)
        XCTAssertEqual(result.stdout, expected)
        XCTAssertTrue(result.stderr.contains("5 files:"), result.stderr)
        // Every rule the examples are meant to show is there.
        for rule in ["duplicate-prefix", "source-check-drop", "psk-mismatch", "no-initiator", "mtu", "ipv6-leak", "hooks", "bad-key",
                     "structure", "host-bits", "duplicate-public-key", "address-prefix", "local-lan"] {
            XCTAssertTrue(result.stdout.contains(": \(rule): "), rule)
        }
    }

    func testExitCodesCleanFindingsAndUnreadable() throws {
        let folder = try temporaryFolder()
        let good = folder.appendingPathComponent("wg0.conf")
        try Self.clean.write(to: good, atomically: true, encoding: .utf8)
        let ok = try CLIRunner.run(["lint", good.path])
        XCTAssertEqual(ok.status, 0, ok.stdout + ok.stderr)
        XCTAssertEqual(ok.stdout, "")
        XCTAssertTrue(ok.stderr.contains("0 errors, 0 warnings, 0 info"), ok.stderr)

        let bad = folder.appendingPathComponent("wg1.conf")
        try Self.clean.replacingOccurrences(of: "Endpoint", with: "Endpont").write(to: bad, atomically: true, encoding: .utf8)
        let findings = try CLIRunner.run(["lint", bad.path])
        XCTAssertEqual(findings.status, 1)
        XCTAssertTrue(findings.stdout.hasPrefix("\(bad.path):8: error: structure: unknown [Peer] key 'Endpont'"), findings.stdout)

        let missing = try CLIRunner.run(["lint", folder.appendingPathComponent("nope.conf").path])
        XCTAssertEqual(missing.status, 2)
        XCTAssertTrue(missing.stderr.contains("nope.conf: cannot read this file"), missing.stderr)

        let unknownRule = try CLIRunner.run(["lint", "--disable", "no-such-rule", good.path])
        XCTAssertEqual(unknownRule.status, 2)
    }

    func testStrictFailsOnWarningsAndDisableDropsRules() throws {
        let text = Self.clean.replacingOccurrences(of: "Address = 10.0.0.2/24", with: "Address = 10.0.0.2/24\nMTU = 1500")
        let plain = try CLIRunner.run(["lint", "-"], stdin: text)
        XCTAssertEqual(plain.status, 0, plain.stdout)
        XCTAssertTrue(plain.stdout.hasPrefix("<stdin>:4: warning: mtu: "), plain.stdout)
        XCTAssertEqual(try CLIRunner.run(["lint", "--strict", "-"], stdin: text).status, 1)
        let disabled = try CLIRunner.run(["lint", "--strict", "--disable", "mtu,dns", "-"], stdin: text)
        XCTAssertEqual(disabled.status, 0)
        XCTAssertEqual(disabled.stdout, "")
    }

    func testJSONLinesHoldOnlyFindingsWithTheirKeys() throws {
        let result = try CLIRunner.run(["lint", "--json", "Scenarios/networks/lint-examples"])
        XCTAssertEqual(result.status, 1)
        let lines = result.stdout.split(separator: "\n")
        XCTAssertFalse(lines.isEmpty)
        var sawRelated = false
        for line in lines {
            let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], String(line))
            for key in ["rule", "severity", "file", "line", "message", "fix"] { XCTAssertNotNil(object[key], "\(key) in \(line)") }
            XCTAssertTrue(["error", "warning", "info"].contains(object["severity"] as? String ?? ""))
            XCTAssertNotNil(object["line"] as? Int)
            if let related = object["related"] as? [String: Any] {
                sawRelated = true
                XCTAssertNotNil(related["file"] as? String)
                XCTAssertNotNil(related["line"] as? Int)
            }
        }
        XCTAssertTrue(sawRelated)
        XCTAssertTrue(result.stderr.contains("errors"), result.stderr)
    }

    /// The SARIF 2.1.0 schema's required fields: `version` and `runs` on the log; `tool.driver.name`
    /// on a run; `message` on a result (with `text`), `id` on a rule; levels from its enumeration.
    func testSARIFHasTheSchemasRequiredStructure() throws {
        let result = try CLIRunner.run(["lint", "--format", "sarif", "Scenarios/networks/lint-examples"])
        XCTAssertEqual(result.status, 1)
        let log = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(log["version"] as? String, "2.1.0")
        XCTAssertNotNil(log["$schema"] as? String)
        let runs = try XCTUnwrap(log["runs"] as? [[String: Any]])
        XCTAssertEqual(runs.count, 1)
        let driver = try XCTUnwrap((runs[0]["tool"] as? [String: Any])?["driver"] as? [String: Any])
        XCTAssertEqual(driver["name"] as? String, "wgsim lint")
        let rules = try XCTUnwrap(driver["rules"] as? [[String: Any]])
        let ids = rules.compactMap { $0["id"] as? String }
        XCTAssertEqual(ids.count, 24)
        for rule in rules { XCTAssertNotNil((rule["shortDescription"] as? [String: Any])?["text"] as? String) }
        let results = try XCTUnwrap(runs[0]["results"] as? [[String: Any]])
        XCTAssertFalse(results.isEmpty)
        var sawRelated = false
        for r in results {
            XCTAssertTrue(ids.contains(r["ruleId"] as? String ?? ""))
            XCTAssertTrue(["error", "warning", "note"].contains(r["level"] as? String ?? ""))
            XCTAssertNotNil((r["message"] as? [String: Any])?["text"] as? String)
            let locations = try XCTUnwrap(r["locations"] as? [[String: Any]])
            let physical = try XCTUnwrap(locations.first?["physicalLocation"] as? [String: Any])
            XCTAssertNotNil((physical["artifactLocation"] as? [String: Any])?["uri"] as? String)
            XCTAssertGreaterThanOrEqual((physical["region"] as? [String: Any])?["startLine"] as? Int ?? 0, 1)
            if let related = r["relatedLocations"] as? [[String: Any]] {
                sawRelated = true
                XCTAssertNotNil(related.first?["physicalLocation"])
            }
        }
        XCTAssertTrue(sawRelated)
    }

    func testAFileTheStrictReaderRefusesIsStillLintedInFull() throws {
        let text = Self.clean.replacingOccurrences(of: "AllowedIPs = 10.0.0.1/32", with: "AllowedIPs = 10.0.0.1/32\nPersistentKeepalive = lots\nAllowedIPs = 192.168.1.0/24")
        let result = try CLIRunner.run(["lint", "-"], stdin: text)
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.stdout.contains("<stdin>:8: error: structure: wg-quick refuses this line: PersistentKeepalive"), result.stdout)
        XCTAssertTrue(result.stdout.contains("<stdin>:9: info: local-lan"), result.stdout)
    }
}
