import Foundation
import XCTest
@testable import Scenario

/// The small readers under the scenario loader: shell words for `run:`, RFC 3339 start times,
/// files read in words, did-you-mean, echoed values.
final class TextReaderTests: XCTestCase {
    func testShellWordsQuoteLikeAShellSoAnEmptyAllowedIPsListCanBeWritten() throws {
        XCTAssertEqual(try ShellWords.split("wg set wg0 peer ABCD allowed-ips \"\"").get(),
                       ["wg", "set", "wg0", "peer", "ABCD", "allowed-ips", ""])
        XCTAssertEqual(try ShellWords.split("a 'b c' d\\ e # comment").get(), ["a", "b c", "d e"])
        XCTAssertThrowsError(try ShellWords.split("wg set 'open").get())
    }

    func testStartTimeIsReadWithoutTheMachineCalendar() throws {
        XCTAssertEqual(try TimestampText.unixNanoseconds("1970-01-01T00:00:00Z").get(), 0)
        XCTAssertEqual(try TimestampText.unixNanoseconds("2026-01-01T00:00:00Z").get(), Scenario.defaultStartUnixNanoseconds)
        XCTAssertEqual(try TimestampText.unixNanoseconds("2016-07-05T18:30:00Z").get(), 1_467_743_400_000_000_000)
        XCTAssertEqual(try TimestampText.unixNanoseconds("2016-07-05T20:30:00.25+02:00").get(), 1_467_743_400_250_000_000)
        for bad in ["2026-02-30T00:00:00Z", "2026-01-01 00:00", "2026-01-01T00:00:00", "yesterday"] {
            XCTAssertThrowsError(try TimestampText.unixNanoseconds(bad).get(), bad)
        }
    }

    // MARK: TextFile

    func temporaryFolder() throws -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("textfile-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: folder) }
        return folder
    }

    func readError(_ path: String) -> ScenarioError? {
        do {
            _ = try TextFile.read(path)
            XCTFail("\(path) was read")
        } catch {
            XCTAssertNotNil(error as? ScenarioError, "\(error)")
            return error as? ScenarioError
        }
        return nil
    }

    func testFilesThatCannotBeReadAreSaidInWords() throws {
        let folder = try temporaryFolder()
        try "a: 1\n".write(toFile: folder + "/f.yaml", atomically: true, encoding: .utf8)
        XCTAssertEqual(try TextFile.read(folder + "/f.yaml"), "a: 1\n")
        let cases = [(folder + "/absent.yaml", "cannot read this file: does not exist"),
                     (folder, "cannot read this file: is a directory"),
                     (folder + "/f.yaml/x.yaml", "cannot read this file: is a file (or a part of the path is a file), not a folder"),
                     ("", "cannot read this file: the file name is empty")]
        for (path, message) in cases {
            let e = readError(path)
            XCTAssertEqual(e?.file, path)
            XCTAssertNil(e?.line)
            XCTAssertEqual(e?.message, message)
            XCTAssertFalse(e?.description.contains("NSCocoaErrorDomain") ?? true)
        }
        if geteuid() != 0 {   // root reads anything, so this can only be seen as another user
            try "x".write(toFile: folder + "/secret", atomically: true, encoding: .utf8)
            chmod(folder + "/secret", 0)
            XCTAssertEqual(readError(folder + "/secret")?.message, "cannot read this file: permission denied")
        }
    }

    func testAFileNamedByAScenarioIsReportedAtTheScenarioLine() throws {
        let folder = try temporaryFolder()
        let at = SourceLocation(file: "s.yaml", line: 12)
        XCTAssertThrowsError(try TextFile.read(folder + "/x.conf", namedAs: "x.conf", at: at, what: "config")) { error in
            XCTAssertEqual((error as? ScenarioError)?.description,
                           "s.yaml:12: config: cannot read 'x.conf' (looked for \(folder)/x.conf): does not exist")
        }
        // Bad bytes are reported in the named file itself, where they are.
        XCTAssertTrue(FileManager.default.createFile(atPath: folder + "/x.conf", contents: Data([0x61, 0x0A, 0x62, 0xC0, 0x0A])))
        XCTAssertThrowsError(try TextFile.read(folder + "/x.conf", namedAs: "x.conf", at: at, what: "config")) { error in
            XCTAssertEqual((error as? ScenarioError)?.description,
                           "\(folder)/x.conf:2:2: byte 0xC0 is not valid UTF-8; the file must be UTF-8 text")
        }
    }

    func testScenarioFilesGoThroughTheSameReader() throws {
        let folder = try temporaryFolder()
        XCTAssertTrue(FileManager.default.createFile(atPath: folder + "/s.yaml", contents: Data("name: t\nseed: 1\u{0}\n".utf8)))
        XCTAssertThrowsError(try ScenarioLoader.load(path: folder + "/s.yaml")) { error in
            XCTAssertEqual((error as? ScenarioError)?.description,
                           "\(folder)/s.yaml:2:8: control character U+0000 (NUL) is not allowed in a YAML file")
        }
        XCTAssertThrowsError(try ScenarioLoader.load(path: folder)) { error in
            XCTAssertEqual((error as? ScenarioError)?.description, "\(folder): cannot read this file: is a directory")
        }
    }

    // MARK: Did you mean

    func testDidYouMeanFindsTheNearestWithinTwoEdits() {
        let keys = ["name", "description", "seed", "duration", "nodes"]
        XCTAssertEqual(DidYouMean.nearest("duraton", in: keys), "duration")
        XCTAssertEqual(DidYouMean.nearest("nodse", in: keys), "nodes")
        XCTAssertEqual(DidYouMean.nearest("sed", in: keys), "seed")
        XCTAssertNil(DidYouMean.nearest("colour", in: keys))
        XCTAssertNil(DidYouMean.nearest("", in: keys))
        XCTAssertNil(DidYouMean.nearest("x", in: []))
        XCTAssertEqual(DidYouMean.editDistance("kitten", "sitting"), 3)
        XCTAssertEqual(DidYouMean.editDistance("", "abc"), 3)
        XCTAssertEqual(DidYouMean.editDistance("né", "ne"), 1)
    }

    func testDidYouMeanDoesNotCompareAHugeWord() {
        // 41 s before it was bounded: a quadratic comparison of a 1 MB value with every candidate.
        let huge = String(repeating: "a", count: 1 << 20)
        let names = (0..<100_000).map { "p\($0)" }
        let started = Date()
        XCTAssertNil(DidYouMean.nearest(huge, in: names))
        XCTAssertNil(DidYouMean.nearest(String(repeating: "é", count: 1000), in: names))
        XCTAssertEqual(DidYouMean.nearest("p9999x", in: names), "p9999")
        XCTAssertLessThan(Date().timeIntervalSince(started), 5)
    }

    // MARK: Echoed values

    func testEchoedValuesAreCutTo60Characters() {
        XCTAssertEqual(EchoedText.short("short"), "short")
        XCTAssertEqual(EchoedText.short(String(repeating: "x", count: 60)), String(repeating: "x", count: 60))
        XCTAssertEqual(EchoedText.short(String(repeating: "é", count: 61)), String(repeating: "é", count: 60) + "… (122 bytes)")
        let long = String(repeating: "b", count: 1 << 20)
        let e = ScenarioError(file: "s.yaml", line: 3, "unknown node '\(long)'; nodes: a, b")
        XCTAssertEqual(e.message, "unknown node '\(String(repeating: "b", count: 60))… (1048576 bytes)'; nodes: a, b")
        let code = ScenarioError(file: "s.yaml", line: 3, "`wg \(long)` is not simulated")
        XCTAssertEqual(code.message, "`wg \(String(repeating: "b", count: 57))… (1048579 bytes)` is not simulated")
        // Apostrophes inside words are not quotes; short quoted values stay whole.
        let plain = "set it in the node's wireguard: section, not in 'x' — " + String(repeating: "y", count: 80)
        XCTAssertEqual(ScenarioError(file: "s", line: 1, plain).message, plain)
        // A message full of unmatched quotes is still handled in linear time.
        let quotes = String(repeating: " 'a", count: 100_000)
        XCTAssertEqual(ScenarioError(file: "s", line: 1, quotes).message, quotes)
    }
}
