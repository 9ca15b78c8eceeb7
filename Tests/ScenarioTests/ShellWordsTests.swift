import XCTest
@testable import Scenario

/// The one tokenizer (scenario events, routes, `wgsim table`) splits as a POSIX shell would.
final class ShellWordsTests: XCTestCase {
    private func words(_ line: String) throws -> [String] { try ShellWords.split(line).get() }

    func testBlanksSeparateAndRunsOfThemCountOnce() throws {
        XCTAssertEqual(try words("  wg\tset  wg0 "), ["wg", "set", "wg0"])
        XCTAssertEqual(try words(""), [])
    }

    /// `#` begins a comment only where a word could begin, as in sh: `a#b` is one word.
    func testHashStartsACommentOnlyAtTheStartOfAWord() throws {
        XCTAssertEqual(try words("# all comment"), [])
        XCTAssertEqual(try words("show # the table"), ["show"])
        XCTAssertEqual(try words("show #the table"), ["show"])
        XCTAssertEqual(try words("peer A#1 x#"), ["peer", "A#1", "x#"])
        XCTAssertEqual(try words("'#' \"#\" \\#"), ["#", "#", "#"])
    }

    /// Single quotes keep everything; double quotes keep everything but `\$ \` \" \\`.
    func testQuotes() throws {
        XCTAssertEqual(try words("allowed-ips \"\""), ["allowed-ips", ""])
        XCTAssertEqual(try words("a 'b c' \"d e\""), ["a", "b c", "d e"])
        XCTAssertEqual(try words("'a\\b' \"a\\b\" \"a\\\"b\" \"a\\\\b\" \"\\$x\""), ["a\\b", "a\\b", "a\"b", "a\\b", "$x"])
        XCTAssertEqual(try words("x'y z'\"w\"v"), ["xy zwv"])
        XCTAssertEqual(try words("'it''s'"), ["its"])
    }

    /// Outside quotes a backslash takes the next character literally, blank or quote included.
    func testBackslashEscapes() throws {
        XCTAssertEqual(try words("d\\ e f"), ["d e", "f"])
        XCTAssertEqual(try words("\\'a \\\"b \\\\c \\x"), ["'a", "\"b", "\\c", "x"])
        XCTAssertEqual(try words("\\ "), [" "])
    }

    /// No expansions: `$`, `;`, `|` are ordinary characters.
    func testNothingIsExpanded() throws {
        XCTAssertEqual(try words("echo $HOME; ls|wc"), ["echo", "$HOME;", "ls|wc"])
    }

    func testUnbalancedInputIsAProblemNamingIt() {
        XCTAssertEqual(try? words("wg set 'open"), nil)
        guard case .failure(let quote) = ShellWords.split("a \"b") else { return XCTFail() }
        XCTAssertTrue(quote.reason.contains("unterminated"), quote.reason)
        guard case .failure(let slash) = ShellWords.split("a b\\") else { return XCTFail() }
        XCTAssertTrue(slash.reason.contains("backslash"), slash.reason)
    }
}
