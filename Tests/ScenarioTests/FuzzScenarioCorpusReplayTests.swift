import Foundation
import XCTest
@testable import Scenario

/// Replays the committed libFuzzer corpora of the Scenario targets (fuzz/corpus/NAME,
/// docs/fuzzing.md) through the functions the fuzzer runs, so nothing the fuzzer once reached,
/// and no finding once fixed, can regress unnoticed.
final class FuzzScenarioCorpusReplayTests: XCTestCase {
    /// Findings kept in the corpus whose fix has not landed yet (docs/fuzzing.md, "Findings");
    /// every finding so far is fixed, so every corpus file is replayed.
    static let awaitingFix: Set<String> = []

    func replay(_ target: String, _ run: ([UInt8]) -> [String], minimum: Int) throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let corpus = root.appendingPathComponent("fuzz/corpus/\(target)")
        let names = try FileManager.default.contentsOfDirectory(atPath: corpus.path).sorted()
        XCTAssertGreaterThanOrEqual(names.count, minimum, "the \(target) corpus is committed")
        for name in names where !Self.awaitingFix.contains("\(target)/\(name)") {
            let bytes = [UInt8](try Data(contentsOf: corpus.appendingPathComponent(name)))
            XCTAssertEqual(run(bytes), [], "\(target)/\(name)")
        }
    }

    func testScenarioCorpus() throws { try replay("scenario", FuzzScenarioTargets.scenario, minimum: 11) }
    func testWgQuickCorpus() throws { try replay("wgquick", FuzzScenarioTargets.wgQuick, minimum: 2) }
    func testCommandLineCorpus() throws { try replay("command", FuzzScenarioTargets.commandLines, minimum: 3) }
    func testTimeTextCorpus() throws { try replay("time", FuzzScenarioTargets.timeTexts, minimum: 2) }

    /// The properties can fail: quoting round-trips, and a tree that differs is seen to differ.
    func testPropertiesCanFail() {
        XCTAssertEqual(FuzzScenarioTargets.shellQuoted("a\"b\\c d"), "\"a\\\"b\\\\c d\"")
        XCTAssertNotEqual(canonicalDump(.scalar("a", line: 1, plain: true)), canonicalDump(.scalar("a", line: 1, plain: false)))
        XCTAssertNotEqual(canonicalDump(.scalar("a", line: 1, plain: true)), canonicalDump(.scalar("a", line: 2, plain: true)))
        var problems: [String] = []
        FuzzScenarioTargets.checkError(ScenarioError(file: "", line: 0, ""), &problems)
        XCTAssertEqual(problems.count, 3)
    }
}
