import Foundation
import XCTest
@testable import Scenario

/// Replays the committed libFuzzer corpora of the Scenario targets (fuzz/corpus/NAME,
/// docs/fuzzing.md) through the functions the fuzzer runs, so nothing the fuzzer once reached,
/// and no finding once fixed, can regress unnoticed.
final class FuzzScenarioCorpusReplayTests: XCTestCase {
    /// Findings kept in the corpus whose fix lands from another branch (docs/fuzzing.md,
    /// "Findings"); each is replayed once its fix is merged and its name removed here.
    static let awaitingFix: Set<String> = [
        // YAMLSubsetReader accepts in a `|` block what Yams refuses or reads as a line break.
        "scenario/finding-subset-literal-del",
        "scenario/finding-subset-literal-c1-control",
        "scenario/finding-subset-literal-noncharacter",
        "scenario/finding-subset-literal-nel",
        "scenario/finding-subset-literal-line-separator",
        // Yams (Parser.loadNode/loadSequence) recurses once per nesting level: 20000 `[` overflow the stack.
        "scenario/finding-yams-deep-flow-nesting",
        // TimestampText: seconds × 10^9 overflows Int64 after 2262 (a trap).
        "scenario/finding-start-time-year-9999-overflow",
        "time/finding-timestamp-year-9999-overflow",
        "time/finding-timestamp-year-0-overflow",
        // ShellWords splits Characters, not Unicode scalars: a quote or blank followed by a
        // combining mark is one Character and stops being a quote or a blank.
        "command/finding-shellwords-combining-mark-after-quote",
    ]

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
