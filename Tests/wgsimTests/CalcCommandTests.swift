import XCTest

/// `wgsim calc` and the `calc` line of `wgsim table`, end to end.
final class CalcCommandTests: XCTestCase {
    func testPrintsOnlyTheListOnStandardOutput() throws {
        let result = try CLIRunner.run(["calc", "10.0.0.0/24,::/0", "-", "10.0.0.128/25,10.0.0.5"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.stdout, "10.0.0.0/30, 10.0.0.4/32, 10.0.0.6/31, 10.0.0.8/29, 10.0.0.16/28, 10.0.0.32/27, 10.0.0.64/26, ::/0\n")
        XCTAssertEqual(result.stderr, "")
    }

    func testEmptyResultPrintsNothingAndHostBitsWarnOnStandardError() throws {
        let result = try CLIRunner.run(["calc", "10.0.0.1/24", "-", "10.0.0.0/16"])
        XCTAssertEqual(result.status, 0)
        XCTAssertEqual(result.stdout, "")
        XCTAssertEqual(result.stderr, "wgsim calc: Warning: AllowedIP has nonzero host part: 10.0.0.1/24 (the entry is 10.0.0.0/24)\n")
    }

    func testBadInputExitsTwoWithTheProblemInWords() throws {
        for arguments in [["calc"], ["calc", "10.0.0.0/8", "-"], ["calc", "10.0.0.300/8"], ["calc", "10.0.0.0/8", "-", "-", "10.0.0.0/9"]] {
            let result = try CLIRunner.run(arguments)
            XCTAssertEqual(result.status, 2, "\(arguments)")
            XCTAssertEqual(result.stdout, "")
            XCTAssertTrue(result.stderr.hasPrefix("wgsim calc: "), result.stderr)
        }
    }

    func testTableCalcLineGivesTheSameList() throws {
        let result = try CLIRunner.run(["table"], stdin: "calc 0.0.0.0/0 - 128.0.0.0/1,10.0.0.0/8\ncalc 10.0.0.0/8 -\n")
        XCTAssertEqual(result.status, 2)
        XCTAssertEqual(result.stdout, "0.0.0.0/5, 8.0.0.0/7, 11.0.0.0/8, 12.0.0.0/6, 16.0.0.0/4, 32.0.0.0/3, 64.0.0.0/2\n")
        XCTAssertEqual(result.stderr, "<stdin>:2: calc: '-' at the end: a list of prefixes must follow it\n")
        let direct = try CLIRunner.run(["calc", "0.0.0.0/0", "-", "128.0.0.0/1,10.0.0.0/8"])
        XCTAssertEqual(direct.stdout, result.stdout)
    }
}
