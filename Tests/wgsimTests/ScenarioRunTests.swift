import Foundation
import XCTest

/// `wgsim run` end to end through the real binary: every shipped scenario against its golden
/// files, determinism, golden-difference accounts, and bad input (exit 2 naming file:line).
final class ScenarioRunTests: XCTestCase {
    static var shippedScenarios: [String] {
        let folder = CLIRunner.packageRoot.appendingPathComponent("Scenarios").path
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        return names.filter { $0.hasSuffix(".yaml") }.map { String($0.dropLast(5)) }.sorted()
    }

    func temporaryFolder(_ name: String = #function) throws -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("wgsim-tests-\(getpid())-\(name.filter { $0.isLetter || $0.isNumber })")
        try? FileManager.default.removeItem(at: url)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    func testEveryShippedScenarioHoldsAndMatchesItsGoldenFilesByteForByte() throws {
        let scenarios = Self.shippedScenarios
        XCTAssertGreaterThanOrEqual(scenarios.count, 8, "the shipped course has at least eight scenarios")
        XCTAssertTrue(scenarios.contains("seed-overlap"))
        let out = try temporaryFolder()
        for name in scenarios {
            let golden = "captures/golden/\(name)"
            XCTAssertTrue(FileManager.default.fileExists(atPath: CLIRunner.packageRoot.appendingPathComponent(golden + "/decisions.jsonl").path),
                          "\(name) has golden files")
            let result = try CLIRunner.run(["run", "Scenarios/\(name).yaml", "--out", out.appendingPathComponent(name).path,
                                            "--golden", golden])
            XCTAssertEqual(result.status, 0, "\(name):\n\(result.stdout)\n\(result.stderr)")
            XCTAssertTrue(result.stdout.contains("golden: every file matches"), "\(name): \(result.stdout)")
            XCTAssertFalse(result.stdout.contains("FAIL"), "\(name): \(result.stdout)")
        }
    }

    func testASecondRunOfTheSameScenarioIsByteIdentical() throws {
        let out = try temporaryFolder()
        for run in ["first", "second"] {
            let result = try CLIRunner.run(["run", "Scenarios/lossy-handshake.yaml", "--out", out.appendingPathComponent(run).path, "--quiet"])
            XCTAssertEqual(result.status, 0, result.stdout + result.stderr)
        }
        let first = out.appendingPathComponent("first").path, second = out.appendingPathComponent("second").path
        let files = try XCTUnwrap(FileManager.default.subpaths(atPath: first)).sorted()
        XCTAssertTrue(files.contains("pcap/branch-eth0.pcap"), "\(files)")
        XCTAssertEqual(files, try FileManager.default.subpaths(atPath: second)?.sorted())
        for file in files {
            XCTAssertEqual(FileManager.default.contents(atPath: first + "/" + file),
                           FileManager.default.contents(atPath: second + "/" + file), file)
        }
    }

    func testGoldenDifferenceNamesTheFileAndThePacketFieldByField() throws {
        let out = try temporaryFolder()
        let result = try CLIRunner.run(["run", "Scenarios/seed-overlap.yaml", "--out", out.path, "--seed", "8",
                                        "--golden", "captures/golden/seed-overlap"])
        XCTAssertEqual(result.status, 1, result.stdout + result.stderr)
        XCTAssertTrue(result.stdout.contains("wireguard.keys: line 1 differs"), result.stdout)
        XCTAssertTrue(result.stdout.contains("pcap/server-eth0.pcap: packet 1 differs"), result.stdout)
        XCTAssertTrue(result.stdout.contains("message: golden handshake initiation"), result.stdout)
        XCTAssertTrue(result.stdout.contains("≠ sender index: golden 0x"), result.stdout)
    }

    func testGoldenDifferenceDecryptsTheTransportMessageThatDiffers() throws {
        let folder = try temporaryFolder()
        let original = try String(contentsOf: CLIRunner.packageRoot.appendingPathComponent("Scenarios/spoofed-source.yaml"), encoding: .utf8)
        let changed = original.replacingOccurrences(of: "send: {dst: 10.0.0.1, proto: udp, dport: 53, size: 40}\n",
                                                    with: "send: {dst: 10.0.0.1, proto: udp, dport: 53, size: 400}\n")
        XCTAssertNotEqual(original, changed)
        let scenario = folder.appendingPathComponent("spoofed-source.yaml")
        try changed.write(to: scenario, atomically: true, encoding: .utf8)
        let result = try CLIRunner.run(["run", scenario.path, "--out", folder.appendingPathComponent("out").path,
                                        "--golden", "captures/golden/spoofed-source"])
        XCTAssertEqual(result.status, 1, result.stdout + result.stderr)
        XCTAssertTrue(result.stdout.contains("pcap/laptop-eth0.pcap: packet 3 differs"), result.stdout)
        XCTAssertTrue(result.stdout.contains("message: golden transport data"), result.stdout)
        XCTAssertTrue(result.stdout.contains("counter: golden 0"), result.stdout)
        XCTAssertTrue(result.stdout.contains("≠ inner packet: golden 10.0.0.2 → 10.0.0.1 udp 68 bytes, output 10.0.0.2 → 10.0.0.1 udp 428 bytes"),
                      result.stdout)
    }

    func testUpdateGoldenWritesTheOutputsThenTheyMatch() throws {
        let out = try temporaryFolder()
        let golden = out.appendingPathComponent("golden").path
        let update = try CLIRunner.run(["run", "Scenarios/spoofed-source.yaml", "--out", out.appendingPathComponent("a").path,
                                        "--golden", golden, "--update-golden", "--quiet"])
        XCTAssertEqual(update.status, 0, update.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: golden + "/pcap/server-eth0.pcap"))
        let check = try CLIRunner.run(["run", "Scenarios/spoofed-source.yaml", "--out", out.appendingPathComponent("b").path,
                                       "--golden", golden])
        XCTAssertEqual(check.status, 0, check.stdout)
    }

    func testCaptureLimitsThePcapsToTheNamedNodes() throws {
        let out = try temporaryFolder()
        let result = try CLIRunner.run(["run", "Scenarios/seed-overlap.yaml", "--out", out.path, "--capture", "server", "--quiet"])
        XCTAssertEqual(result.status, 0, result.stdout + result.stderr)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: out.appendingPathComponent("pcap").path).sorted(),
                       ["server-eth0.pcap", "server-wg0.pcap"])
        let unknown = try CLIRunner.run(["run", "Scenarios/seed-overlap.yaml", "--out", out.path, "--capture", "nobody"])
        XCTAssertEqual(unknown.status, 2)
        XCTAssertTrue(unknown.stderr.contains("--capture: no node named 'nobody'"), unknown.stderr)
    }

    func testAFailedExpectationExitsOneAndSaysWhatHappenedInstead() throws {
        let folder = try temporaryFolder()
        let scenario = folder.appendingPathComponent("s.yaml")
        try Self.twoNodes(expect: "expect:\n  - node: b\n    src: 10.0.0.1\n    action: delivered\n    count: 5\n")
            .write(to: scenario, atomically: true, encoding: .utf8)
        let result = try CLIRunner.run(["run", scenario.path, "--out", folder.appendingPathComponent("out").path])
        XCTAssertEqual(result.status, 1, result.stdout + result.stderr)
        XCTAssertTrue(result.stdout.contains("FAIL \(scenario.path):"), result.stdout)
        XCTAssertTrue(result.stdout.contains("expected exactly 5, found 1"), result.stdout)
    }

    /// Bad input: exit 2, nothing simulated, and the message names the file and line.
    func testBadInputExitsTwoNamingFileAndLine() throws {
        let folder = try temporaryFolder()
        let cases: [(String, String, String)] = [
            ("unknown-key", Self.twoNodes(expect: "").replacingOccurrences(of: "seed: 1", with: "sed: 1"), ":2: unknown key 'sed'"),
            ("bad-cidr", Self.twoNodes(expect: "").replacingOccurrences(of: "10.0.0.2/32", with: "10.0.0.2/40"), ":8: allowed-ips"),
            ("bad-key", Self.twoNodes(expect: "").replacingOccurrences(of: "      address: [10.0.0.1/24]",
                                                                      with: "      private-key: abc=\n      address: [10.0.0.1/24]"), ":7: private-key"),
            ("unknown-node", Self.twoNodes(expect: "").replacingOccurrences(of: "endpoint: b", with: "endpoint: c"), ":9: endpoint 'c'"),
            ("missing-config", Self.twoNodes(expect: "").replacingOccurrences(of: Self.nodeBWireGuard, with: "    config: nothere.conf\n"),
             ":12: config: cannot read 'nothere.conf'"),
        ]
        for (name, text, fragment) in cases {
            let scenario = folder.appendingPathComponent("\(name).yaml")
            try text.write(to: scenario, atomically: true, encoding: .utf8)
            let out = folder.appendingPathComponent("out-\(name)")
            let result = try CLIRunner.run(["run", scenario.path, "--out", out.path])
            XCTAssertEqual(result.status, 2, "\(name): \(result.stdout) \(result.stderr)")
            XCTAssertTrue(result.stderr.contains(scenario.path), "\(name): \(result.stderr)")
            XCTAssertTrue(result.stderr.contains(fragment), "\(name) should mention '\(fragment)': \(result.stderr)")
            XCTAssertFalse(FileManager.default.fileExists(atPath: out.appendingPathComponent("decisions.jsonl").path),
                           "\(name): nothing is half-run")
        }
        let missing = try CLIRunner.run(["run", folder.appendingPathComponent("absent.yaml").path, "--out", folder.path])
        XCTAssertEqual(missing.status, 2)
        XCTAssertTrue(missing.stderr.contains("absent.yaml: cannot read"), missing.stderr)
    }

    func testBadWgQuickFileNamesItsOwnLine() throws {
        let folder = try temporaryFolder()
        try "[Interface]\nAddress = 10.0.0.2/24\n\n[Peer]\nPublicKey = @a\nAllowedIPs = 10.0.0.0/24\nEndpont = a\n"
            .write(to: folder.appendingPathComponent("b.conf"), atomically: true, encoding: .utf8)
        let text = Self.twoNodes(expect: "").replacingOccurrences(of: Self.nodeBWireGuard, with: "    config: b.conf\n")
        let scenario = folder.appendingPathComponent("s.yaml")
        try text.write(to: scenario, atomically: true, encoding: .utf8)
        let result = try CLIRunner.run(["run", scenario.path, "--out", folder.appendingPathComponent("out").path])
        XCTAssertEqual(result.status, 2, result.stdout + result.stderr)
        XCTAssertTrue(result.stderr.contains("b.conf:7: unknown [Peer] key 'Endpont'"), result.stderr)
    }

    static let nodeBWireGuard = "    wireguard:\n      address: [10.0.0.2/24]\n      peers:\n        - peer: a\n          allowed-ips: [10.0.0.0/24]\n"

    /// A small scenario: a at 10.0.0.1 pings b at 10.0.0.2 once.
    static func twoNodes(expect: String) -> String {
        """
        name: two
        seed: 1
        nodes:
          a:
            underlay: 198.51.100.1
            wireguard:
              address: [10.0.0.1/24]
              peers: [{peer: b, allowed-ips: [10.0.0.2/32],
                       endpoint: b}]
          b:
            underlay: 198.51.100.2
            wireguard:
              address: [10.0.0.2/24]
              peers:
                - peer: a
                  allowed-ips: [10.0.0.0/24]
        events:
          - at: 1s
            node: a
            ping: 10.0.0.2
        \(expect)
        """
    }
}
