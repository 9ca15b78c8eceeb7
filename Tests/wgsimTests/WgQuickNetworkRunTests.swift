import Foundation
import XCTest

/// `wgsim run FOLDER` and `wgsim run a.conf b.conf …` through the real binary: every shipped
/// network folder against its golden files, the notes on standard error, and bad files.
final class WgQuickNetworkRunTests: XCTestCase {
    static var shippedNetworks: [String] {
        let folder = CLIRunner.packageRoot.appendingPathComponent("Scenarios/networks").path
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        // lint-examples holds deliberately broken files for `wgsim lint` (its own test checks them).
        return names.filter { !$0.hasPrefix(".") && $0 != "lint-examples" }.sorted()
    }

    func temporaryFolder(_ name: String = #function) throws -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("wgsim-tests-\(getpid())-\(name.filter { $0.isLetter || $0.isNumber })")
        try? FileManager.default.removeItem(at: url)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    func testEveryShippedNetworkRunsFromItsFilesAndMatchesItsGoldenFiles() throws {
        let networks = Self.shippedNetworks
        XCTAssertTrue(networks.contains("hq-branch-laptop"), "\(networks)")
        let out = try temporaryFolder()
        for name in networks {
            let result = try CLIRunner.run(["run", "Scenarios/networks/\(name)", "--out", out.appendingPathComponent(name).path,
                                            "--golden", "captures/golden/\(name)"])
            XCTAssertEqual(result.status, 0, "\(name):\n\(result.stdout)\n\(result.stderr)")
            XCTAssertTrue(result.stdout.contains("golden: every file matches"), "\(name): \(result.stdout)")
            XCTAssertFalse(result.stdout.contains("FAIL"), "\(name): \(result.stdout)")
        }
    }

    func testTheExampleSaysWhatItAssumedAndWhatItDoesNotSimulate() throws {
        let out = try temporaryFolder()
        let result = try CLIRunner.run(["run", "Scenarios/networks/hq-branch-laptop", "--out", out.path])
        XCTAssertEqual(result.status, 0, result.stdout + result.stderr)
        let folder = "Scenarios/networks/hq-branch-laptop"
        let laptop = try Data(contentsOf: CLIRunner.packageRoot.appendingPathComponent(folder + "/laptop.conf"))
        XCTAssertTrue(String(decoding: laptop, as: UTF8.self).contains("[Interface]\r\n"), "the example keeps a file with CRLF line ends")
        XCTAssertEqual(result.stderr, """
            note: \(folder)/branch.conf:5: wgsim reads but does not simulate DNS (line 5): no resolver is set
            note: \(folder)/hq.conf:10: wgsim reads but does not simulate PostUp (line 10), PostDown (line 11): no script is run
            note: \(folder)/laptop.conf:4: wgsim reads but does not simulate DNS (line 4): no resolver is set

            """)
        XCTAssertTrue(result.stdout.hasPrefix("scenario hq-branch-laptop (seed 1):"), result.stdout)
        XCTAssertTrue(result.stdout.contains("hq      203.0.113.10  from the Endpoint at laptop.conf:11; vpn.example.com (branch.conf:11) stands for it too"),
                      result.stdout)
        XCTAssertTrue(result.stdout.contains("expectations: 12 passed, 0 failed"), result.stdout)
        XCTAssertTrue(result.stdout.contains("PASS \(folder)/laptop.conf:3: node=branch iface=wg0 dir=rx src=10.0.0.3 proto=icmp after=3s before=4s "
                                             + "action=delivered: expected at least 1, found 1 — branch → laptop 10.0.0.3: echo reply"), result.stdout)
        let quiet = try CLIRunner.run(["run", folder, "--out", out.path, "--quiet"])
        XCTAssertEqual(quiet.status, 0)
        XCTAssertEqual(quiet.stderr, "", "--quiet keeps the notes back")
    }

    func testFilesNamedOneByOneRunUnderTheFirstFilesNameAndAnUnknownPeerIsNoted() throws {
        let folder = try temporaryFolder()
        let source = CLIRunner.packageRoot.appendingPathComponent("Scenarios/networks/hq-branch-laptop")
        for name in ["hq.conf", "laptop.conf"] {
            try FileManager.default.copyItem(at: source.appendingPathComponent(name), to: folder.appendingPathComponent(name))
        }
        // Without branch.conf, the hq's first [Peer] is someone outside the network.
        let result = try CLIRunner.run(["run", "laptop.conf", "hq.conf", "--out", "out"], in: folder)
        XCTAssertEqual(result.status, 0, result.stdout + result.stderr)
        XCTAssertTrue(result.stdout.hasPrefix("scenario laptop (seed 1):"), result.stdout)
        XCTAssertTrue(result.stderr.contains("note: hq.conf:15: PublicKey OSLO5UuzkfGzcU4hQbxr5tQOwDQEZCL4D1932FDlwWw= is no file's: "
                                             + "a peer outside this network, where nothing answers\n"), result.stderr)
        XCTAssertTrue(result.stdout.contains("expectations: 4 passed, 0 failed"), result.stdout)
        XCTAssertTrue(FileManager.default.fileExists(atPath: folder.appendingPathComponent("out/pcap/laptop-eth0.pcap").path))
    }

    func testAPairThatCannotReachEachOtherFailsItsPingAndExitsOne() throws {
        let folder = try temporaryFolder()
        let source = CLIRunner.packageRoot.appendingPathComponent("Scenarios/networks/hq-branch-laptop")
        for name in ["branch.conf", "hq.conf", "laptop.conf"] {
            var text = try String(contentsOf: source.appendingPathComponent(name), encoding: .utf8)
            // The classic slip: the branch accepts only the hq's own address, not the laptop behind it.
            if name == "branch.conf" { text = text.replacingOccurrences(of: "AllowedIPs = 10.0.0.0/24, fd10::/64", with: "AllowedIPs = 10.0.0.1/32, fd10::/64") }
            try text.write(to: folder.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
        let result = try CLIRunner.run(["run", folder.path, "--out", folder.appendingPathComponent("out").path])
        XCTAssertEqual(result.status, 1, result.stdout + result.stderr)
        XCTAssertTrue(result.stdout.contains("expectations: 10 passed, 2 failed"), result.stdout)
        XCTAssertTrue(result.stdout.contains("FAIL \(folder.path)/laptop.conf:3: node=branch iface=wg0 dir=rx src=10.0.0.3"), result.stdout)
        XCTAssertTrue(result.stdout.contains("FAIL \(folder.path)/branch.conf:3: node=laptop iface=wg0 dir=rx src=10.0.0.2"), result.stdout)
    }

    func testBadFilesExitTwoNamingFileAndLine() throws {
        let folder = try temporaryFolder()
        try "[Interface]\r\nPrivateKey = gGCe874OJn4z+nJ9MxUE9k39h8BnYYdK2dor1JlT9XM=\r\nAdress = 10.0.0.1/24\r\n"
            .write(to: folder.appendingPathComponent("a.conf"), atomically: true, encoding: .utf8)
        let typo = try CLIRunner.run(["run", folder.path, "--out", folder.appendingPathComponent("out").path])
        XCTAssertEqual(typo.status, 2)
        XCTAssertEqual(typo.stderr, "wgsim run: \(folder.path)/a.conf:3: unknown [Interface] key 'Adress' (did you mean 'Address'?); "
                       + "expected PrivateKey, ListenPort, FwMark, Address, DNS, MTU, Table, PreUp, PostUp, PreDown, PostDown, SaveConfig\n")
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("out").path), "nothing written")

        let empty = try temporaryFolder("empty")
        let none = try CLIRunner.run(["run", empty.path, "--out", folder.appendingPathComponent("out").path])
        XCTAssertEqual(none.status, 2)
        XCTAssertEqual(none.stderr, "wgsim run: \(empty.path): no .conf files in this folder "
                       + "(a folder runs as a network of wg-quick files; a scenario runs by naming its .yaml file)\n")

        let mixed = try CLIRunner.run(["run", "Scenarios/roaming.yaml", "Scenarios/conf/roaming-laptop.conf", "--out", folder.appendingPathComponent("out").path])
        XCTAssertEqual(mixed.status, 2)
        XCTAssertTrue(mixed.stderr.contains("Scenarios/roaming.yaml: is not a .conf file"), mixed.stderr)
    }
}
