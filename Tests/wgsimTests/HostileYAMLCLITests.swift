import Foundation
import XCTest

/// Hostile scenario files through the real binary: each must end with exit status 2 and one
/// `FILE:LINE[:COLUMN]: message` line on standard error — no crash, no raw Foundation error.
final class HostileYAMLCLITests: XCTestCase {
    func testHostileScenariosExitTwoNamingFileAndLine() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("wgsim-hostile-\(getpid())")
        try? FileManager.default.removeItem(at: folder)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: folder) }

        var bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n"
        for (name, previous) in zip("bcdefghi", "abcdefgh") {
            bomb += "\(name): &\(name) [" + Array(repeating: "*\(previous)", count: 9).joined(separator: ", ") + "]\n"
        }
        let cases: [(String, [UInt8], String)] = [
            ("nested", Array(("a: " + String(repeating: "{a: ", count: 5000) + "\n").utf8), ":1: lists and mappings are nested more than 64"),
            ("nested-lines", Array(String(repeating: "[\n", count: 100_000).utf8), ":65: lists and mappings are nested more than 64"),
            ("bomb", Array(bomb.utf8), ":6: the aliases up to '*e' here stand for more than 100000 values"),
            ("nul", Array("name: t\nseed: 1\u{0}\n".utf8), ":2:8: control character U+0000 (NUL)"),
            ("utf8", Array("name: t\n".utf8) + [0xFF, 0x0A], ":2:1: byte 0xFF is not valid UTF-8"),
            ("separator", Array("name: t\nseed: 1 # c\u{2028}seed: 2".utf8), ":2:12: U+2028 (LINE SEPARATOR)"),
            ("long-line", Array(("name: " + String(repeating: "n", count: 70_000) + "\n").utf8), ":1: the line is 70006 bytes long"),
        ]
        for (name, bytes, fragment) in cases {
            let scenario = folder.appendingPathComponent("\(name).yaml")
            try Data(bytes).write(to: scenario)
            let result = try CLIRunner.run(["run", scenario.path, "--out", folder.appendingPathComponent("out").path])
            XCTAssertEqual(result.status, 2, "\(name): \(result.stderr)")
            XCTAssertEqual(result.stderr, result.stderr.split(separator: "\n").first.map { $0 + "\n" }, "\(name): one line")
            XCTAssertTrue(result.stderr.contains(scenario.path + fragment), "\(name) should say '\(fragment)': \(result.stderr)")
        }
        let directory = try CLIRunner.run(["run", folder.path, "--out", folder.appendingPathComponent("out").path])
        XCTAssertEqual(directory.status, 2)
        XCTAssertEqual(directory.stderr, "wgsim run: \(folder.path): no .conf files in this folder "
                       + "(a folder runs as a network of wg-quick files; a scenario runs by naming its .yaml file)\n")
    }
}
