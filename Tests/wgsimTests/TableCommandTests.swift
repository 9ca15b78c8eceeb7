import Foundation
import XCTest

/// `wgsim table` end to end: the real binary, fed commands on standard input or from a file.
final class TableCommandTests: XCTestCase {
    private let seedThread = """
        # The founding thread's second example, then its first.
        wg set wg0 peer ABCD allowed-ips 192.168.32.0/24
        wg set wg0 peer EFGH allowed-ips 192.168.32.19/32
        lookup 192.168.32.19
        lookup 192.168.32.20
        show
        wg set wg0 peer ABCD allowed-ips 192.168.32.19/32
        show
        """

    func testSeedThreadExamplesAsText() throws {
        let result = try CLIRunner.run(["table"], stdin: seedThread)
        XCTAssertEqual(result.status, 0, result.stderr)
        // The first example's move is said on standard error, with the line of each claim.
        XCTAssertEqual(result.stderr, "<stdin>:7: Warning: 192.168.32.19/32 moves from EFGH (claimed at line 3) to ABCD; EFGH is left with no allowed IPs\n")
        XCTAssertEqual(result.stdout, """
            192.168.32.19 -> EFGH via 192.168.32.19/32
            192.168.32.20 -> ABCD via 192.168.32.0/24
            ABCD\t192.168.32.0/24
            EFGH\t192.168.32.19/32
            ABCD\t192.168.32.19/32
            EFGH\t(none)

            """)
    }

    func testJSONLookupExplainAndShow() throws {
        let script = """
            wg set wg0 peer ABCD allowed-ips 192.168.32.0/24,0.0.0.0/0
            wg set wg0 peer EFGH allowed-ips 192.168.32.19/32
            lookup 192.168.32.19
            explain 192.168.32.19
            lookup 10.0.0.1
            lookup ::1
            show
            """
        let result = try CLIRunner.run(["table", "--json"], stdin: script)
        XCTAssertEqual(result.status, 0, result.stderr)
        let candidates = #"[{"prefix": "192.168.32.0/24", "peer": "ABCD"}, {"prefix": "0.0.0.0/0", "peer": "ABCD"}]"#
        XCTAssertEqual(result.stdout.split(separator: "\n").map(String.init), [
            #"{"address": "192.168.32.19", "peer": "EFGH", "prefix": "192.168.32.19/32", "candidates": \#(candidates)}"#,
            #"{"address": "192.168.32.19", "peer": "EFGH", "prefix": "192.168.32.19/32", "candidates": \#(candidates)}"#,
            #"{"address": "10.0.0.1", "peer": "ABCD", "prefix": "0.0.0.0/0", "candidates": []}"#,
            #"{"address": "::1", "peer": null, "prefix": null, "candidates": []}"#,
            #"{"peer": "ABCD", "allowed-ips": ["192.168.32.0/24", "0.0.0.0/0"]}"#,
            #"{"peer": "EFGH", "allowed-ips": ["192.168.32.19/32"]}"#,
        ])
        for line in result.stdout.split(separator: "\n") {
            XCTAssertNoThrow(try JSONSerialization.jsonObject(with: Data(line.utf8)), String(line))
        }
    }

    func testExplainSaysWhyTheWinnerWon() throws {
        let script = """
            wg set wg0 peer ABCD allowed-ips 192.168.32.0/24
            wg set wg0 peer EFGH allowed-ips 192.168.32.19/32
            explain 192.168.32.19
            explain 10.1.1.1
            """
        let result = try CLIRunner.run(["table"], stdin: script)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.stdout, """
            192.168.32.19: peer EFGH via 192.168.32.19/32
              192.168.32.19/32  EFGH: chosen — the longest (most specific) of the 2 prefixes that contain 192.168.32.19
              192.168.32.0/24   ABCD: not chosen — /24 also contains 192.168.32.19 but is less specific than /32
            10.1.1.1: no peer — no allowed IP in the IPv4 trie contains 10.1.1.1; a packet to it is dropped (send) or refused (receive)

            """)
    }

    func testBadLinesAreReportedWithFileAndLineAndTheRestStillRuns() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("wgsim-table-\(getpid()).txt")
        defer { try? FileManager.default.removeItem(at: file) }
        try """
            wg set wg0 peer A allowed-ips 10.0.0.0/8
            lookup 10.0.0.300
            wg set wg0 peer B allowed-ips 10.1.0.0/16,10.2.0.0/33
            frobnicate
            wg set wg0 peer C allowed-ips "10.3.0.0/16
            wg set wg0 peer D endpoint 1.2.3.4:51820
            lookup 10.2.0.1
            show
            """.write(to: file, atomically: true, encoding: .utf8)
        let result = try CLIRunner.run(["table", file.path])
        XCTAssertEqual(result.status, 2)
        XCTAssertEqual(result.stdout, "10.2.0.1 -> A via 10.0.0.0/8\nA\t10.0.0.0/8\n", "line 3 changed nothing")
        let errors = result.stderr.split(separator: "\n").map(String.init)
        XCTAssertEqual(errors.count, 5, result.stderr)
        for (error, line) in zip(errors, [2, 3, 4, 5, 6]) {
            XCTAssertTrue(error.hasPrefix("\(file.path):\(line): "), error)
        }
        XCTAssertTrue(errors[1].contains("10.2.0.0/33"), errors[1])
    }

    func testStandardInputIsNamedInMessages() throws {
        let result = try CLIRunner.run(["table"], stdin: "lookup nonsense\n")
        XCTAssertEqual(result.status, 2)
        XCTAssertTrue(result.stderr.hasPrefix("<stdin>:1: "), result.stderr)
    }

    func testUnreadableFileExitsTwo() throws {
        let result = try CLIRunner.run(["table", "/nonexistent/commands.txt"])
        XCTAssertEqual(result.status, 2)
        XCTAssertTrue(result.stderr.contains("/nonexistent/commands.txt"), result.stderr)
    }

    func testIncrementalClearAndRemoveForms() throws {
        let script = """
            wg set wg0 peer P allowed-ips 192.168.0.1/32,10.0.0.0/8
            wg set wg0 peer P allowed-ips +192.168.88.0/24,-192.168.0.1/32
            wg set wg0 peer Q allowed-ips fd00::/8 peer R allowed-ips 10.0.0.0/8
            wg show
            wg set wg0 peer Q allowed-ips ""
            wg set wg0 peer R remove
            wg show wg0 allowed-ips
            wg set wg0 peer R
            show
            """
        let result = try CLIRunner.run(["table"], stdin: script)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.stdout, """
            P\t192.168.88.0/24
            Q\tfd00::/8
            R\t10.0.0.0/8
            P\t192.168.88.0/24
            Q\t(none)
            P\t192.168.88.0/24
            Q\t(none)
            R\t(none)

            """)
    }

    /// Lines split as a shell would (the scenarios' tokenizer): `#` comments only at a word's
    /// start, backslash escapes, quotes; unsupported `wg set` options are refused.
    func testShellWordsCommentsEscapesAndQuotes() throws {
        let script = """
            wg set wg0 peer A#1 allowed-ips 10.0.0.0/8   # a comment
            wg set wg0 peer 'B 2' allowed-ips "10.1.0.0/16"
            wg set wg0 peer C\\ 3 allowed-ips 10.2.0.0/16,\\
            wg set wg0 peer D endpoint 192.0.2.1:51820
            show
            """
        let result = try CLIRunner.run(["table"], stdin: script)
        XCTAssertEqual(result.status, 2)
        XCTAssertEqual(result.stdout, "A#1\t10.0.0.0/8\nB 2\t10.1.0.0/16\n")
        let errors = result.stderr.split(separator: "\n").map(String.init)
        XCTAssertEqual(errors.count, 2, result.stderr)
        XCTAssertTrue(errors.first?.hasPrefix("<stdin>:3: ") == true && errors.first?.contains("backslash") == true, result.stderr)
        XCTAssertTrue(errors.last?.hasPrefix("<stdin>:4: ") == true && errors.last?.contains("endpoint") == true, result.stderr)
    }

    func testHostBitsWarnButDoNotFail() throws {
        let result = try CLIRunner.run(["table"], stdin: "wg set wg0 peer A allowed-ips 10.0.0.1/24\nshow\n")
        XCTAssertEqual(result.status, 0)
        XCTAssertEqual(result.stdout, "A\t10.0.0.0/24\n")
        XCTAssertEqual(result.stderr, "<stdin>:1: Warning: AllowedIP has nonzero host part: 10.0.0.1/24 (the entry is 10.0.0.0/24)\n")
    }
}
