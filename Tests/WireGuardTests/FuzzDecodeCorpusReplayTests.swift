import Foundation
import XCTest
import WireGuard

/// Replays the committed libFuzzer corpora of the `keylog` and `decode` targets
/// (fuzz/corpus/NAME, docs/fuzzing.md) through the functions the fuzzer runs.
final class FuzzDecodeCorpusReplayTests: XCTestCase {
    /// Findings kept in the corpus whose fix lands from another branch; replayed once it has.
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

    func testKeyLogCorpus() throws { try replay("keylog", FuzzDecodeTargets.keyLog, minimum: 10) }
    func testDecodeCorpus() throws { try replay("decode", FuzzDecodeTargets.decode, minimum: 5) }

    /// The decode seeds reach the decryption paths, not only the shape checks.
    func testDecodeSeedsDecryptSomething() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let seed = [UInt8](try Data(contentsOf: root.appendingPathComponent("fuzz/corpus/decode/interop-ping-tcp-r-keys-then-pcap")))
        var problems: [String] = []
        let nul = try XCTUnwrap(seed.firstIndex(of: 0))
        let lines = FuzzDecodeTargets.decodeAll(Array(seed[(nul + 1)...]), KeyLog(parsing: String(decoding: seed[..<nul], as: UTF8.self)), &problems)
        XCTAssertEqual(problems, [])
        XCTAssertTrue(try XCTUnwrap(lines).contains { $0.contains("\"valid\":true") })
    }
}
