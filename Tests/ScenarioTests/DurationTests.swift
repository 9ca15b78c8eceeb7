import XCTest
@testable import Scenario

/// docs/scenario-reference.md: durations such as "30s", "1.5s", "10ms", "2m", "500us", read exactly.
final class DurationTests: XCTestCase {
    func ns(_ text: String) -> Int64? { try? DurationText.parse(text).get() }

    func testEveryUnitTheFormatNames() {
        XCTAssertEqual(ns("30s"), 30_000_000_000)
        XCTAssertEqual(ns("1.5s"), 1_500_000_000)
        XCTAssertEqual(ns("10ms"), 10_000_000)
        XCTAssertEqual(ns("2m"), 120_000_000_000)
        XCTAssertEqual(ns("500us"), 500_000)
        XCTAssertEqual(ns("250ns"), 250)
        XCTAssertEqual(ns("1h"), 3_600_000_000_000)
        XCTAssertEqual(ns("0s"), 0)
    }

    func testDecimalsAreExactNotFloatingPoint() {
        XCTAssertEqual(ns("0.1s"), 100_000_000)
        XCTAssertEqual(ns("0.000000001s"), 1)
        XCTAssertEqual(ns(".5s"), 500_000_000)
        XCTAssertEqual(ns("1.25ms"), 1_250_000)
    }

    func testRejectsMissingUnitsNegativesFinerThanANanosecondAndOverflow() {
        for bad in ["30", "", "s", "-1s", "1.5ns", "1..2s", "1.s", "abc", "99999999999999999999s", "1e3s"] {
            XCTAssertNil(ns(bad), "'\(bad)' should be refused")
        }
    }

    func testFormatIsTheShortestExactText() {
        XCTAssertEqual(DurationText.format(0), "0s")
        XCTAssertEqual(DurationText.format(1_500_000_000), "1.5s")
        XCTAssertEqual(DurationText.format(10_000_000), "10ms")
        XCTAssertEqual(DurationText.format(250), "250ns")
        XCTAssertEqual(DurationText.seconds(1_000_250_000), "1.000250000")
    }
}
