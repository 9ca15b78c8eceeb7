import Foundation
import XCTest

/// `wgsim run` never loses a user's file: outputs appear whole or not at all, only wgsim's own
/// files are ever replaced or removed (in --out and in the golden folder), and folders that
/// would put a user's files at risk are refused before anything is written. Every test runs the
/// real binary in a temporary folder of its own.
final class OutputFolderTests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory
            .appendingPathComponent("wgsim-output-tests-\(getpid())-\(name.filter { $0.isLetter || $0.isNumber })")
        try? FileManager.default.removeItem(at: folder)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: folder)
    }

    // MARK: helpers

    private func path(_ relative: String) -> String { folder.appendingPathComponent(relative).path }

    private func write(_ text: String, to relative: String) throws {
        let url = folder.appendingPathComponent(relative)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try text.write(to: url, atomically: true, encoding: .utf8)
    }

    /// Runs `wgsim ARGS` in the test's folder.
    private func wgsim(_ arguments: [String]) throws -> CLIResult {
        try CLIRunner.run(arguments, in: folder)
    }

    /// Every file under `relative` with its bytes, to compare a folder before and after.
    private func snapshot(_ relative: String = ".") throws -> [String: Data] {
        let root = path(relative)
        var files: [String: Data] = [:]
        for name in FileManager.default.subpaths(atPath: root) ?? [] {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: root + "/" + name, isDirectory: &isDirectory), !isDirectory.boolValue {
                files[name] = FileManager.default.contents(atPath: root + "/" + name)
            }
        }
        return files
    }

    /// Temporary output folders (`.NAME.wgsim-tmp-PID`) left in `relative`.
    private func leftovers(in relative: String = ".") throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: path(relative)).filter { $0.contains(".wgsim-tmp-") }
    }

    /// The two-node scenario of `ScenarioRunTests`, written as s.yaml, with `name` and extra
    /// top-level lines.
    private func scenario(name: String = "two", extra: String = "", file: String = "s.yaml") throws -> String {
        var text = ScenarioRunTests.twoNodes(expect: "").replacingOccurrences(of: "name: two\n", with: "name: \(name)\n")
        if !extra.isEmpty { text = text.replacingOccurrences(of: "seed: 1\n", with: "seed: 1\n" + extra) }
        try write(text, to: file)
        return file
    }

    /// A run that succeeds, leaving outputs in `out` to be kept safe by what follows.
    private func previousRun(into out: String) throws -> [String: Data] {
        let result = try wgsim(["run", try scenario(file: "previous.yaml"), "--out", out, "--quiet"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let before = try snapshot(out)
        XCTAssertNotNil(before["decisions.jsonl"])
        XCTAssertNotNil(before["pcap/a-eth0.pcap"])
        return before
    }

    // MARK: the golden folder

    func testUpdateGoldenKeepsTheUsersOtherFilesAndSaysWhatChanged() throws {
        try write("my notes\n", to: "golden/README")
        try write("mine\n", to: "golden/sub/x.txt")
        try write("a capture of a node that is gone\n", to: "golden/pcap/gone-eth0.pcap")
        let first = try wgsim(["run", try scenario(), "--out", "out", "--golden", "golden", "--update-golden"])
        XCTAssertEqual(first.status, 0, first.stderr)
        XCTAssertEqual(try String(contentsOfFile: path("golden/README"), encoding: .utf8), "my notes\n")
        XCTAssertEqual(try String(contentsOfFile: path("golden/sub/x.txt"), encoding: .utf8), "mine\n")
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("golden/pcap/gone-eth0.pcap")), "a stale wgsim output is removed")
        XCTAssertTrue(first.stdout.contains("golden files updated in golden:"), first.stdout)
        XCTAssertTrue(first.stdout.contains("added   decisions.jsonl"), first.stdout)
        XCTAssertTrue(first.stdout.contains("added   pcap/b-wg0.pcap"), first.stdout)
        XCTAssertTrue(first.stdout.contains("removed pcap/gone-eth0.pcap"), first.stdout)
        XCTAssertEqual(try snapshot("golden").filter { $0.key != "README" && $0.key != "sub/x.txt" }, try snapshot("out"))

        let same = try wgsim(["run", "s.yaml", "--out", "out", "--golden", "golden", "--update-golden"])
        XCTAssertEqual(same.status, 0, same.stderr)
        XCTAssertTrue(same.stdout.contains("no file changed (8 identical)"), same.stdout)

        let reseeded = try wgsim(["run", "s.yaml", "--out", "out", "--golden", "golden", "--update-golden", "--seed", "7"])
        XCTAssertEqual(reseeded.status, 0, reseeded.stderr)
        XCTAssertTrue(reseeded.stdout.contains("changed wireguard.keys"), reseeded.stdout)
        XCTAssertFalse(reseeded.stdout.contains("added"), reseeded.stdout)
        XCTAssertEqual(try String(contentsOfFile: path("golden/README"), encoding: .utf8), "my notes\n")
        XCTAssertEqual(try leftovers(), [])
    }

    func testComparisonIgnoresTheUsersOtherFilesInTheGoldenFolder() throws {
        let update = try wgsim(["run", try scenario(), "--out", "out", "--golden", "golden", "--update-golden", "--quiet"])
        XCTAssertEqual(update.status, 0, update.stderr)
        try write("why these outputs are right\n", to: "golden/notes.txt")
        let check = try wgsim(["run", "s.yaml", "--out", "out", "--golden", "golden"])
        XCTAssertEqual(check.status, 0, check.stdout + check.stderr)
        XCTAssertTrue(check.stdout.contains("golden: every file matches golden"), check.stdout)
    }

    func testAScenarioNamedDotOrDotDotIsRefusedAtItsLine() throws {
        try write("keep\n", to: "captures/keep.txt")
        try write("keep\n", to: "captures/golden/keep.txt")
        for name in [".", ".."] {
            let file = try scenario(name: name)
            let result = try wgsim(["run", file, "--out", "out", "--update-golden"])
            XCTAssertEqual(result.status, 2, "\(name): \(result.stdout) \(result.stderr)")
            XCTAssertTrue(result.stderr.contains("s.yaml:1: name '\(name)'"), result.stderr)
        }
        XCTAssertEqual(try snapshot("captures").keys.sorted(), ["golden/keep.txt", "keep.txt"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("out")))
    }

    // MARK: refused folders

    func testEmptyOutOrGoldenIsRefusedNamingTheOption() throws {
        let file = try scenario()
        let before = try snapshot()
        let emptyOut = try wgsim(["run", file, "--out", ""])
        XCTAssertEqual(emptyOut.status, 2, emptyOut.stderr)
        XCTAssertTrue(emptyOut.stderr.contains("--out: is empty"), emptyOut.stderr)
        for extra in [["--golden", ""], ["--golden", "", "--update-golden"]] {
            let emptyGolden = try wgsim(["run", file, "--out", "out"] + extra)
            XCTAssertEqual(emptyGolden.status, 2, emptyGolden.stderr)
            XCTAssertTrue(emptyGolden.stderr.contains("--golden: is empty"), emptyGolden.stderr)
        }
        XCTAssertEqual(try snapshot(), before, "nothing written")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted(), ["s.yaml"])
    }

    func testOutAndGoldenTheSameOrNestedAreRefused() throws {
        let file = try scenario()
        try FileManager.default.createDirectory(atPath: path("real"), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: path("link"), withDestinationPath: path("real"))
        let cases: [(String, String, String)] = [
            ("x", "x", "are the same folder"),
            ("x", "./y/../x/", "are the same folder"),
            ("link", "real", "are the same folder"),
            ("x", "x/golden", "the golden folder is inside the output folder"),
            ("link/out", path("real"), "the output folder is inside the golden folder"),
        ]
        for (out, golden, account) in cases {
            for update in [false, true] {
                let result = try wgsim(["run", file, "--out", out, "--golden", golden] + (update ? ["--update-golden"] : []))
                XCTAssertEqual(result.status, 2, "\(out) \(golden): \(result.stdout) \(result.stderr)")
                XCTAssertTrue(result.stderr.contains("--out \(out) and --golden \(golden)"), result.stderr)
                XCTAssertTrue(result.stderr.contains(account), result.stderr)
            }
        }
        XCTAssertEqual(try snapshot().keys.sorted(), ["s.yaml"], "nothing written")
    }

    func testOutDotIsRefusedInAFolderHoldingOtherFiles() throws {
        let file = try scenario()
        try write("a thesis, three years of work\n", to: "thesis.tex")
        let before = try snapshot()
        let result = try wgsim(["run", file, "--out", "."])
        XCTAssertEqual(result.status, 2, result.stdout + result.stderr)
        XCTAssertTrue(result.stderr.contains("--out: the folder holds files wgsim does not write (s.yaml, thesis.tex)"), result.stderr)
        XCTAssertTrue(result.stderr.contains("--force"), result.stderr)
        XCTAssertEqual(try snapshot(), before)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted(), ["s.yaml", "thesis.tex"])
    }

    func testForceReplacesOnlyWgsimsOwnFiles() throws {
        _ = try previousRun(into: "out")
        try write("mine\n", to: "out/notes.txt")
        try write("mine\n", to: "out/pcap/README")
        let refused = try wgsim(["run", "previous.yaml", "--out", "out", "--quiet"])
        XCTAssertEqual(refused.status, 2, refused.stderr)
        XCTAssertTrue(refused.stderr.contains("(notes.txt, pcap/README)"), refused.stderr)

        let forced = try wgsim(["run", "previous.yaml", "--out", "out", "--force", "--capture", "b", "--quiet"])
        XCTAssertEqual(forced.status, 0, forced.stderr)
        XCTAssertEqual(try snapshot("out").keys.sorted(),
                       ["decisions.jsonl", "decisions.txt", "notes.txt", "pcap/README", "pcap/b-eth0.pcap", "pcap/b-wg0.pcap", "report.html",
                        "wireguard.keys"],
                       "the captures of a, no longer produced, are removed; the user's files stay")
        XCTAssertEqual(try String(contentsOfFile: path("out/notes.txt"), encoding: .utf8), "mine\n")
        XCTAssertEqual(try leftovers(), [])
    }

    func testSomethingUnexpectedAtAWgsimNameIsRefusedEvenWithForce() throws {
        try FileManager.default.createDirectory(atPath: path("out/decisions.jsonl"), withIntermediateDirectories: true)
        try write("mine\n", to: "out/decisions.jsonl/inside.txt")
        let result = try wgsim(["run", try scenario(), "--out", "out", "--force"])
        XCTAssertEqual(result.status, 2, result.stderr)
        XCTAssertTrue(result.stderr.contains("out/decisions.jsonl: --out: is not the kind of file wgsim writes there"), result.stderr)
        XCTAssertEqual(try snapshot("out").keys.sorted(), ["decisions.jsonl/inside.txt"])

        // A link named pcap would have the captures written through it into the user's folder.
        try write("mine\n", to: "elsewhere/keep.txt")
        try FileManager.default.createDirectory(atPath: path("out2"), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: path("out2/pcap"), withDestinationPath: path("elsewhere"))
        let linked = try wgsim(["run", "s.yaml", "--out", "out2", "--force"])
        XCTAssertEqual(linked.status, 2, linked.stderr)
        XCTAssertTrue(linked.stderr.contains("out2/pcap: --out: is not the kind of file wgsim writes there"), linked.stderr)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: path("elsewhere")), ["keep.txt"])
    }

    // MARK: whole or not at all

    func testAFailureAtSetupOrAtTheEndLeavesThePreviousOutputsIntact() throws {
        let before = try previousRun(into: "out")
        // Fails while the network is built: a route on a node without wg0.
        let setup = try scenario(extra: "", file: "setup.yaml")
        try write(try String(contentsOfFile: path(setup), encoding: .utf8)
            .replacingOccurrences(of: "nodes:\n", with: "nodes:\n  c:\n    underlay: 198.51.100.3\n    routes: [\"10.9.0.0/24 dev wg0\"]\n"),
            to: setup)
        // Refused at load now (time stamps beyond what a pcap can hold); before the load-time
        // check it failed when the captures were closed, after the whole run.
        let late = try scenario(extra: "start-time: 2200-01-01T00:00:00Z\n", file: "late.yaml")
        for (file, fragment) in [(setup, "Cannot find device \"wg0\""), (late, "late.yaml:3: start-time must be from 1970")] {
            let result = try wgsim(["run", file, "--out", "out"])
            XCTAssertEqual(result.status, 2, "\(file): \(result.stdout) \(result.stderr)")
            XCTAssertTrue(result.stderr.contains(fragment), "\(file): \(result.stderr)")
            XCTAssertEqual(try snapshot("out"), before, "\(file): the previous outputs are untouched")
            XCTAssertEqual(try leftovers(), [], file)
        }
        let fresh = try wgsim(["run", late, "--out", "new/deeper/out"])
        XCTAssertEqual(fresh.status, 2, fresh.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("new")), "folders made for a failed run are removed")
    }

    func testMaxDecisionsStopsTheRunAndKeepsThePreviousOutputs() throws {
        let before = try previousRun(into: "out")
        let stopped = try wgsim(["run", "previous.yaml", "--out", "out", "--max-decisions", "5"])
        XCTAssertEqual(stopped.status, 2, stopped.stdout + stopped.stderr)
        XCTAssertTrue(stopped.stderr.contains("more than 5 decisions (--max-decisions 5)"), stopped.stderr)
        XCTAssertTrue(stopped.stderr.contains("the earlier outputs in out are as they were"), stopped.stderr)
        XCTAssertEqual(try snapshot("out"), before)
        XCTAssertEqual(try leftovers(), [])
        for bad in ["--max-decisions=0", "--max-decisions=-3"] {
            let refused = try wgsim(["run", "previous.yaml", "--out", "out", bad])
            XCTAssertEqual(refused.status, 2, refused.stderr)
            XCTAssertTrue(refused.stderr.contains("--max-decisions must be at least 1"), refused.stderr)
        }
        let enough = try wgsim(["run", "previous.yaml", "--out", "out", "--max-decisions", "1000", "--quiet"])
        XCTAssertEqual(enough.status, 0, enough.stderr)
        XCTAssertEqual(try snapshot("out"), before, "the same run again writes the same bytes")
    }

    /// Ctrl-C (and SIGTERM) during a long run: exit 130 (143), the earlier outputs byte for byte
    /// as they were, no temporary folder left.
    func testAnInterruptedRunLeavesThePreviousOutputsByteIdentical() throws {
        let before = try previousRun(into: "out")
        let generated = try wgsim(["generate", "hub", "--peers", "200", "--packets", "20000", "--out", "hub.yaml"])
        XCTAssertEqual(generated.status, 0, generated.stderr)
        for (signal, status) in [(SIGINT, Int32(130)), (SIGTERM, Int32(143))] {
            let process = Process()
            process.executableURL = CLIRunner.binary
            process.arguments = ["run", "hub.yaml", "--out", "out", "--force", "--quiet"]
            process.currentDirectoryURL = folder
            let errors = Pipe()
            process.standardOutput = FileHandle.nullDevice
            process.standardError = errors
            try process.run()
            // Wait until the run writes into its temporary folder, then a little more so that
            // it is well inside the simulation.
            let deadline = Date().addingTimeInterval(60)
            while try leftovers().isEmpty, process.isRunning, Date() < deadline { usleep(20_000) }
            XCTAssertTrue(process.isRunning, "the run should still be going")
            usleep(300_000)
            kill(process.processIdentifier, signal)
            let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            XCTAssertEqual(process.terminationReason, .exit, message)
            XCTAssertEqual(process.terminationStatus, status, message)
            XCTAssertTrue(message.contains("interrupted by \(signal == SIGINT ? "SIGINT" : "SIGTERM"); the earlier outputs in out are as they were"),
                          message)
            XCTAssertEqual(try snapshot("out"), before)
            XCTAssertEqual(try leftovers(), [])
        }
    }

    // MARK: errors in words

    func testOutputErrorsAreInWords() throws {
        let file = try scenario()
        try write("a file\n", to: "plain")
        let onFile = try wgsim(["run", file, "--out", "plain"])
        XCTAssertEqual(onFile.status, 2, onFile.stderr)
        XCTAssertTrue(onFile.stderr.contains("plain: --out: is a file, not a folder"), onFile.stderr)
        let underFile = try wgsim(["run", file, "--out", "plain/out"])
        XCTAssertEqual(underFile.status, 2, underFile.stderr)
        XCTAssertTrue(underFile.stderr.contains("is a file (or a part of the path is a file), not a folder"), underFile.stderr)
        let goldenOnFile = try wgsim(["run", file, "--out", "out", "--golden", "plain", "--update-golden"])
        XCTAssertEqual(goldenOnFile.status, 2, goldenOnFile.stderr)
        XCTAssertTrue(goldenOnFile.stderr.contains("plain: --golden: is a file, not a folder"), goldenOnFile.stderr)
        for result in [onFile, underFile, goldenOnFile] {
            XCTAssertFalse(result.stderr.contains("Domain"), result.stderr)
            XCTAssertFalse(result.stderr.contains("Error Domain"), result.stderr)
        }
        XCTAssertEqual(try String(contentsOfFile: path("plain"), encoding: .utf8), "a file\n")
    }

    // MARK: exit status of usage errors

    func testUsageErrorsExitTwoAndHelpExitsZero() throws {
        for arguments in [["run"], ["run", "s.yaml"], ["run", "s.yaml", "--out", "o", "--bogus"], ["run", "s.yaml", "--out", "o", "--seed", "x"],
                          ["no-such-command"]] {
            let result = try wgsim(arguments)
            XCTAssertEqual(result.status, 2, "\(arguments): \(result.stderr)")
            XCTAssertTrue(result.stderr.contains("Error:"), "\(arguments): \(result.stderr)")
        }
        for arguments in [["--help"], ["run", "--help"], ["help", "run"]] {
            let result = try wgsim(arguments)
            XCTAssertEqual(result.status, 0, "\(arguments): \(result.stderr)")
            XCTAssertTrue(result.stdout.contains("USAGE:") || result.stdout.contains("Usage:"), result.stdout)
        }
    }
}
