import Foundation
import XCTest

/// Replays the committed libFuzzer corpus of the `table` target (fuzz/corpus/table,
/// docs/fuzzing.md) through the function the fuzzer runs.
final class FuzzTableCorpusReplayTests: XCTestCase {
    /// Findings kept in the corpus whose fix lands from another branch; replayed once it has.
    static let awaitingFix: Set<String> = []

    func testTableCorpus() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let corpus = root.appendingPathComponent("fuzz/corpus/table")
        let names = try FileManager.default.contentsOfDirectory(atPath: corpus.path).sorted()
        XCTAssertGreaterThanOrEqual(names.count, 2, "the table corpus is committed")
        for name in names where !Self.awaitingFix.contains(name) {
            let bytes = [UInt8](try Data(contentsOf: corpus.appendingPathComponent(name)))
            XCTAssertEqual(FuzzTableTarget.run(bytes), [], name)
        }
    }

    /// `help` (plain text in both modes) and `show` run clean in both sessions.
    func testHelpIsTheOnlyNonJSONOutput() {
        XCTAssertEqual(FuzzTableTarget.run(Array("help\nshow\n".utf8)), [])
    }
}
