import XCTest

/// Replays the committed libFuzzer corpus of the `wire` target (fuzz/corpus/wire,
/// docs/fuzzing.md) through the same property checks the fuzzer runs, so a past finding can
/// never come back unnoticed.
final class FuzzCorpusReplayTests: XCTestCase {
    func testCommittedCorpusHoldsEveryProperty() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let corpus = root.appendingPathComponent("fuzz/corpus/wire")
        let names = try FileManager.default.contentsOfDirectory(atPath: corpus.path).sorted()
        XCTAssertGreaterThan(names.count, 10, "the corpus is committed")
        for name in names {
            let bytes = [UInt8](try Data(contentsOf: corpus.appendingPathComponent(name)))
            XCTAssertEqual(FuzzTarget.run(bytes), [], name)
        }
    }

    /// The checks do catch a violation: two different packets are not "the same up to ±0".
    func testPropertyCheckRejectsADifference() {
        XCTAssertTrue(FuzzTarget.sameUpToChecksumZero([1, 0, 0, 2], [1, 0xff, 0xff, 2], checksumAt: 1))
        XCTAssertFalse(FuzzTarget.sameUpToChecksumZero([1, 0, 0, 2], [1, 0, 0, 3], checksumAt: 1))
        XCTAssertFalse(FuzzTarget.sameUpToChecksumZero([1, 0, 1, 2], [1, 0xff, 0xff, 2], checksumAt: 1))
    }
}
