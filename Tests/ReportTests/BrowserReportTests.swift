import Foundation
import XCTest

/// The report pages opened in a real browser: `Tests/Browser/report_check.py` loads each page in
/// headless Chromium (Debian's `chromium`, which scripts/setup.sh installs), fails on console
/// errors and network requests, checks the DOM contract, drives the player with the keyboard and
/// mouse, checks arrows against the run's decisions.txt and pcaps, and saves a screenshot. These
/// tests fail, not skip, where Python or Chromium is missing: opening in a browser is the point.
final class BrowserReportTests: XCTestCase {
    /// The package root (two levels above this file's folder).
    static var packageRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
    }

    static var driver: URL { packageRoot.appendingPathComponent("Tests/Browser/report_check.py") }

    /// Every `report.html` in a golden folder, in name order.
    static func goldenReports() throws -> [URL] {
        let golden = packageRoot.appendingPathComponent("captures/golden")
        let folders = try FileManager.default.contentsOfDirectory(atPath: golden.path).sorted()
        return folders.map { golden.appendingPathComponent($0).appendingPathComponent("report.html") }
            .filter { FileManager.default.fileExists(atPath: $0.path) }
    }

    /// The driver's own check: its sample page passes every check, its broken page fails every one.
    func testDriverPassesItsSamplePageAndFailsEveryCheckOnItsBrokenPage() throws {
        let shots = try temporaryFolder("self-test")
        let run = try runDriver(["--self-test", "--screenshots", shots.path])
        XCTAssertEqual(run.status, 0, "self-test failed:\n\(run.stdout)\n\(run.stderr)")
        let result = try XCTUnwrap(run.results.first, "no JSON result line:\n\(run.stdout)\n\(run.stderr)")
        XCTAssertEqual(result["ok"] as? Bool, true, "\(result["failures"] ?? "")")
        XCTAssertEqual(result["failures"] as? [String], [])
        // Every check name is shown failing on the broken page (its list is in the driver).
        let broken = (result["broken-failures"] as? [String]) ?? []
        XCTAssertGreaterThanOrEqual(broken.count, 30, "\(broken)")
        XCTAssertTrue(broken.contains { $0.hasPrefix("console:") })
        XCTAssertTrue(broken.contains { $0.hasPrefix("network:") })
        XCTAssertTrue(broken.contains { $0.hasPrefix("player.keys:") })
        XCTAssertTrue(FileManager.default.fileExists(atPath: shots.appendingPathComponent("contract-sample.png").path))
    }

    /// Every shipped report opens in Chromium and passes the checks; the run must ship some.
    func testEveryGoldenReportOpensInChromiumAndPassesTheChecks() throws {
        let reports = try Self.goldenReports()
        XCTAssertFalse(reports.isEmpty,
                       "no captures/golden/*/report.html: every shipped scenario's report is a golden file")
        guard !reports.isEmpty else { return }
        let shots = try temporaryFolder("golden")
        let run = try runDriver(["--expect-all-pass", "--screenshots", shots.path] + reports.map(\.path))
        XCTAssertEqual(run.results.count, reports.count, "one result per page:\n\(run.stdout)\n\(run.stderr)")
        for result in run.results {
            let name = (result["report"] as? String).map { URL(fileURLWithPath: $0).deletingLastPathComponent().lastPathComponent } ?? "?"
            let failures = (result["failures"] as? [String]) ?? ["no failures list"]
            XCTAssertEqual(result["ok"] as? Bool, true, "\(name): \(failures.joined(separator: "\n  "))")
            if let screenshot = result["screenshot"] as? String {
                XCTAssertTrue(FileManager.default.fileExists(atPath: screenshot), "\(name): no screenshot")
            } else {
                XCTFail("\(name): no screenshot")
            }
        }
        XCTAssertEqual(run.status, 0, run.stderr)
        // The seed lesson is checked for its own facts (the /32 moved, the .19 carved out).
        XCTAssertTrue(run.results.contains { ($0["scenario"] as? String) == "seed-overlap" },
                      "the seed lesson's report is among the golden pages")
    }

    // MARK: - Running the driver

    struct DriverRun {
        var status: Int32
        var stdout: String
        var stderr: String
        /// Each line of standard output that is a JSON object.
        var results: [[String: Any]]
    }

    private func runDriver(_ arguments: [String]) throws -> DriverRun {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", Self.driver.path] + arguments
        process.currentDirectoryURL = Self.packageRoot
        // Standard error goes to a file, so that reading standard output to its end cannot leave
        // the driver blocked on a full second pipe.
        let errorFile = try temporaryFolder("stderr").appendingPathComponent("stderr.txt")
        FileManager.default.createFile(atPath: errorFile.path, contents: nil)
        let errorHandle = try FileHandle(forWritingTo: errorFile)
        defer { try? errorHandle.close() }
        let output = Pipe()
        process.standardOutput = output
        process.standardError = errorHandle
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let stdout = String(decoding: outputData, as: UTF8.self)
        let stderr = (try? String(contentsOf: errorFile, encoding: .utf8)) ?? ""
        XCTAssertNotEqual(process.terminationStatus, 2,
                          "the driver could not run (python3 and chromium are needed; scripts/setup.sh installs them): \(stderr)")
        let results = stdout.split(separator: "\n").compactMap { line -> [String: Any]? in
            guard let data = line.data(using: .utf8) else { return nil }
            return (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
        }
        return DriverRun(status: process.terminationStatus, stdout: stdout, stderr: stderr, results: results)
    }

    private func temporaryFolder(_ name: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("wgsim-browser-\(getpid())-\(name)")
        try? FileManager.default.removeItem(at: url)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
