import Sim
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
        XCTAssertEqual(TimeText.shortest(0), "0s")
        XCTAssertEqual(TimeText.shortest(1_500_000_000), "1.5s")
        XCTAssertEqual(TimeText.shortest(10_000_000), "10ms")
        XCTAssertEqual(TimeText.shortest(250), "250ns")
        XCTAssertEqual(TimeText.seconds(1_000_250_000), "1.000250000")
    }

    func testTheLargestDurationsAreReadExactlyAndOneMoreIsRefused() {
        XCTAssertEqual(ns("9223372036854775807ns"), Int64.max)
        XCTAssertEqual(ns("2562047h"), 2_562_047 * 3_600_000_000_000)
        for bad in ["9223372036854775808ns", "2562048h", "2562047.9h", "153722868m"] {
            guard case .failure(let e) = DurationText.parse(bad) else { return XCTFail("'\(bad)' should be refused") }
            XCTAssertEqual(e.reason, "too large", bad)
        }
    }

    func testTimestampsOutsideSixtyFourBitNanosecondsAreRefusedNotWrapped() {
        XCTAssertEqual(try TimestampText.unixNanoseconds("2262-04-11T23:47:16.854775807Z").get(), Int64.max)
        XCTAssertEqual(try TimestampText.unixNanoseconds("1677-09-21T00:12:43.145224192Z").get(), Int64.min)
        for bad in ["2262-04-11T23:47:16.854775808Z", "9999-12-31T23:59:59Z", "0000-01-01T00:00:00Z", "1677-09-21T00:12:43Z"] {
            guard case .failure(let problem) = TimestampText.unixNanoseconds(bad) else { return XCTFail("'\(bad)' should be refused") }
            XCTAssertTrue(problem.reason.contains("1677 to 2262"), "\(bad): \(problem.reason)")
        }
    }

    func testTimestampFormatIsTheInverseOfParsing() throws {
        for text in ["1970-01-01T00:00:00Z", "2026-01-01T00:00:00Z", "2000-02-29T12:34:56.5Z", "2106-02-07T06:28:16Z",
                     "1969-12-31T23:59:59.999999999Z", "2262-04-11T23:47:16.854775807Z"] {
            XCTAssertEqual(TimestampText.format(unixNanoseconds: try TimestampText.unixNanoseconds(text).get()), text)
        }
        XCTAssertEqual(TimestampText.format(unixNanoseconds: Simulation.latestUnixNanoseconds), "2106-02-07T06:28:15.999999999Z")
    }
}
