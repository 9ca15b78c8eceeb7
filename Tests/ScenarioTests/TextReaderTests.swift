import XCTest
@testable import Scenario

/// The small readers under the scenario loader: shell words for `run:`, RFC 3339 start times.
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
}
