import Routing
import XCTest

/// IPPrefix as `wg` reads and prints allowed IPs (§1.3, §1.6 last bullet, §1.9).
final class IPPrefixTests: XCTestCase {
    func testMissingLengthMeansHostRoute_1_6() throws {
        XCTAssertEqual(try IPPrefix(parsing: "10.0.0.1").length, 32)
        XCTAssertEqual(try IPPrefix(parsing: "2001:db8::1").length, 128)
        XCTAssertEqual(try IPPrefix(parsing: "10.0.0.1").description, "10.0.0.1/32")
    }

    /// The parse says whether host bits were set, as `hasHostBits` of the address read alone
    /// (what the loader asks before making `AllowedIPsUpdate.hostBitsWarning`'s text).
    func testParsingTellsWhetherHostBitsWereSet() throws {
        for (text, expected) in [("10.0.0.1/24", true), ("10.0.0.0/24", false), ("10.0.0.1", false),
                                 ("10.0.0.1/32", false), ("0.0.0.1/0", true), ("192.168.6.0/023", false), ("192.168.7.0/023", true),
                                 ("2001:db8::1/64", true), ("2001:db8::/64", false), ("::1", false)] {
            var hadHostBits = !expected
            let prefix = try IPPrefix(parsing: text, hadHostBits: &hadHostBits)
            XCTAssertEqual(hadHostBits, expected, text)
            XCTAssertEqual(prefix, try IPPrefix(parsing: text), text)
            let address = try IPAddress(parsing: String(text.prefix { $0 != "/" }))
            XCTAssertEqual(IPPrefix.hasHostBits(address, length: prefix.length), expected, text)
        }
    }

    func testHostBitsAreMaskedForIdentityAndPrinting_1_3() throws {
        let withHostBits = try IPPrefix(parsing: "10.0.0.1/24")
        XCTAssertEqual(withHostBits, try IPPrefix(parsing: "10.0.0.0/24"))
        XCTAssertEqual(withHostBits.description, "10.0.0.0/24")
        XCTAssertEqual(try IPPrefix(parsing: "2001:db8:ffff::1/33").description, "2001:db8:8000::/33")
        XCTAssertEqual(try IPPrefix(address: ip("192.95.5.65"), length: 27).description, "192.95.5.64/27")
    }

    func testZeroLengthPrefixesPrintAsDefaultRoutes_1_7() throws {
        XCTAssertEqual(try IPPrefix(parsing: "1.2.3.4/0").description, "0.0.0.0/0")
        XCTAssertEqual(try IPPrefix(parsing: "ffff::/0").description, "::/0")
        XCTAssertEqual(IPPrefix.allIPv4.description, "0.0.0.0/0")
        XCTAssertEqual(IPPrefix.allIPv6.description, "::/0")
    }

    func testIPv6PrintsRFC5952_1_10() throws {
        XCTAssertEqual(try IPPrefix(parsing: "2001:0DB8:0000:0000::/64").description, "2001:db8::/64")
        XCTAssertEqual(try IPPrefix(parsing: "::ffff:10.0.0.1").description, "::ffff:10.0.0.1/128")
    }

    func testLengthIsDecimalDigitsAsStrtoulReadsThem() throws {
        XCTAssertEqual(try IPPrefix(parsing: "10.0.0.0/08").length, 8)
        XCTAssertEqual(try IPPrefix(parsing: "::/000128").length, 128)
    }

    func testInvalidInputIsRejectedWithAReason_1_9() {
        let bad = ["10.0.0.0/33", "::/129", "1.2.3", "::g", "", "10.0.0.0/", "10.0.0.0/-1", "10.0.0.0/+8",
                   "10.0.0.0/8/8", "/8", "10.0.0.0/ 8", "10.0.0.0/99999999999999999999", "10.0.0.0/x"]
        for text in bad {
            XCTAssertThrowsError(try IPPrefix(parsing: text), text) { error in
                XCTAssertFalse("\(error)".isEmpty)
            }
        }
        XCTAssertThrowsError(try IPPrefix(address: ip("10.0.0.0"), length: 33))
        XCTAssertThrowsError(try IPPrefix(address: ip("::"), length: -1))
    }

    func testErrorSaysWhatIsWrong() {
        XCTAssertThrowsError(try IPPrefix(parsing: "10.0.0.0/33")) { error in
            XCTAssertTrue("\(error)".contains("33"), "\(error)")
            XCTAssertTrue("\(error)".contains("10.0.0.0/33"), "\(error)")
        }
    }

    func testContainsNeverCrossesFamilies_1_7() throws {
        let mapped = try IPPrefix(parsing: "::ffff:10.0.0.0/104")
        XCTAssertTrue(mapped.contains(ip("::ffff:10.1.2.3")))
        XCTAssertFalse(mapped.contains(ip("10.1.2.3")))
        XCTAssertFalse(IPPrefix.allIPv4.contains(ip("::1")))
        XCTAssertTrue(IPPrefix.allIPv6.contains(ip("::1")))
    }

    func testOrderIsIPv4FirstThenAddressThenLength() throws {
        let sorted = [prefix("::/0"), prefix("10.0.0.0/16"), prefix("10.0.0.0/8"), prefix("9.0.0.0/8")].sorted()
        XCTAssertEqual(sorted.map(\.description), ["9.0.0.0/8", "10.0.0.0/8", "10.0.0.0/16", "::/0"])
    }
}
