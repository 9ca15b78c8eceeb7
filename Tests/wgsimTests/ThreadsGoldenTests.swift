import Foundation
import XCTest

/// `wgsim run --threads N`: every shipped scenario gives its golden bytes with 1, 2 and 3
/// threads, and a thread count below 1 is bad input.
final class ThreadsGoldenTests: XCTestCase {
    func testEveryShippedScenarioMatchesItsGoldenFilesWithOneTwoAndThreeThreads() throws {
        let scenarios = ScenarioRunTests.shippedScenarios
        XCTAssertGreaterThanOrEqual(scenarios.count, 8)
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("wgsim-threads-golden-\(getpid())")
        defer { try? FileManager.default.removeItem(at: out) }
        for threads in [1, 2, 3] {
            for name in scenarios {
                let result = try CLIRunner.run(["run", "Scenarios/\(name).yaml", "--out", out.appendingPathComponent("\(name)-\(threads)").path,
                                                "--golden", "captures/golden/\(name)", "--threads", "\(threads)"])
                XCTAssertEqual(result.status, 0, "\(name), --threads \(threads):\n\(result.stdout)\n\(result.stderr)")
                XCTAssertTrue(result.stdout.contains("golden: every file matches"), "\(name), --threads \(threads): \(result.stdout)")
            }
        }
    }

    func testZeroOrNegativeThreadsAreRefusedWithExitStatusTwo() throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("wgsim-threads-refused-\(getpid())")
        defer { try? FileManager.default.removeItem(at: out) }
        for value in ["0", "-3"] {
            let result = try CLIRunner.run(["run", "Scenarios/roaming.yaml", "--out", out.path, "--threads=\(value)"])
            XCTAssertEqual(result.status, 2, "--threads \(value): \(result.stdout)\(result.stderr)")
            XCTAssertTrue(result.stderr.contains("--threads must be at least 1 (got \(value))"), result.stderr)
            XCTAssertFalse(FileManager.default.fileExists(atPath: out.path), "nothing written for --threads \(value)")
        }
    }
}
