import NetAddress
import XCTest

final class IPAddressTests: XCTestCase {
    func testIPv4ParsesAndPrints() throws {
        XCTAssertEqual(try IPv4Address(parsing: "192.168.32.19").description, "192.168.32.19")
        XCTAssertEqual(try IPv4Address(parsing: "0.0.0.0").value, 0)
        XCTAssertEqual(try IPv4Address(parsing: "255.255.255.255").value, .max)
    }

    func testIPv4RejectsWhatInetPtonRejects() {
        for bad in ["1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "1..2.3", "", "a.b.c.d", "1.2.3.-4", "١.2.3.4"] {
            XCTAssertThrowsError(try IPv4Address(parsing: bad), bad)
        }
    }

    /// The byte-level reader accepts exactly inet_pton's dotted quads (four parts of 1–3 ASCII
    /// digits, no leading zero, each at most 255), with the value the parts spell.
    func testIPv4AcceptsCanonicalDottedQuadsWithTheirValue() throws {
        let cases: [(String, UInt32)] = [("0.0.0.0", 0), ("10.0.0.2", 0x0A00_0002), ("255.255.255.255", .max),
                                         ("192.168.7.0", 0xC0A8_0700), ("1.22.133.4", 0x0116_8504), ("9.99.199.249", 0x0963_C7F9)]
        for (text, value) in cases {
            XCTAssertEqual(try IPv4Address(parsing: text).value, value, text)
            XCTAssertEqual(try IPAddress(parsing: text), .v4(IPv4Address(value)), text)
        }
    }

    /// Whatever the byte-level reader declines gets a reason naming the part that is wrong (never
    /// a generic fallback), so the two halves of the parser agree on what is valid.
    func testIPv4RejectionsNameTheBadPart() {
        let cases: [(String, String)] = [
            ("", "four dot-separated parts"), ("10.0.0", "four dot-separated parts"),
            ("10.0.0.1.5", "four dot-separated parts"), (" 10.0.0.1", "not a decimal number"),
            ("10.0.0.1 ", "not a decimal number"), ("010.0.0.1", "leading zero"), ("10.0.0.00", "leading zero"),
            ("10.0.0.256", "larger than 255"), ("999.0.0.1", "larger than 255"),
            ("1000.0.0.1", "not a decimal number"), ("10..0.1", "not a decimal number"),
            ("10.0.0.-1", "not a decimal number"), ("１0.0.0.1", "not a decimal number"),
            ("10.0.0.1\u{301}", "not a decimal number"), ("10.0.0.1/32", "not a decimal number"),
        ]
        for (text, reason) in cases {
            XCTAssertThrowsError(try IPv4Address(parsing: text), text) { error in
                XCTAssertTrue((error as? AddressParseError)?.reason.contains(reason) == true, "\(text): \(error)")
            }
        }
    }

    /// `ADDRESS/SUFFIX` (allowed IPs, interface addresses): the address before the first slash is
    /// parsed by the same rules, the suffix is handed back as written.
    func testParsingAddressBeforeSlash() throws {
        let v4 = try IPAddress.parsingAddress(beforeSlashIn: "10.0.0.2/32")
        XCTAssertEqual(v4.address, .v4(IPv4Address(10, 0, 0, 2)))
        XCTAssertEqual(v4.afterSlash, "32")
        let v6 = try IPAddress.parsingAddress(beforeSlashIn: "fd00::1/64")
        XCTAssertEqual(v6.address.description, "fd00::1")
        XCTAssertEqual(v6.afterSlash, "64")
        XCTAssertNil(try IPAddress.parsingAddress(beforeSlashIn: "10.0.0.1").afterSlash)
        XCTAssertEqual(try IPAddress.parsingAddress(beforeSlashIn: "10.0.0.1/").afterSlash, "")
        XCTAssertEqual(try IPAddress.parsingAddress(beforeSlashIn: "10.0.0.1/8/8").afterSlash, "8/8")
        XCTAssertEqual(try IPAddress.parsingAddress(beforeSlashIn: "10.0.0.1/ı8").afterSlash, "ı8")
        for bad in ["/8", " 10.0.0.1/8", "10.0.0.256/8", "010.0.0.1/8", "::g/8", "10.0.0.1 /8"] {
            XCTAssertThrowsError(try IPAddress.parsingAddress(beforeSlashIn: bad), bad)
        }
    }

    /// Bytes and groups are the same 128 bits cut into 8- or 16-bit units, most significant first.
    func testIPv6BytesAndGroupsSplitAndJoinTheSameBits() {
        let address = IPv6Address(high: 0x0102_0304_0506_0708, low: 0x090A_0B0C_0D0E_0F10)
        XCTAssertEqual(address.bytes, Array(1...16))
        XCTAssertEqual(address.groups, [0x0102, 0x0304, 0x0506, 0x0708, 0x090A, 0x0B0C, 0x0D0E, 0x0F10])
        XCTAssertEqual(IPv6Address(bytes: Array(1...16) + [99]), address, "only the first sixteen count")
        XCTAssertNil(IPv6Address(bytes: Array(1...15)))
        XCTAssertEqual(IPv6Address(groups: address.groups), address)
        XCTAssertEqual(IPv6Address(groups: [0x2001, 0x0db8]), IPv6Address(high: 0x2001_0db8 << 32, low: 0), "missing groups are zero")
    }

    /// RFC 5952 §4 as glibc's inet_ntop prints it (what `wg show` shows).
    func testIPv6PrintsRFC5952() throws {
        let cases: [(String, String)] = [
            ("2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1"),
            ("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"),
            ("2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"),
            ("0:0:0:0:0:0:0:0", "::"),
            ("::1", "::1"),
            ("::ffff:192.0.2.1", "::ffff:192.0.2.1"),
            ("FE80::ABCD", "fe80::abcd"),
            ("1:0:0:2:0:0:0:3", "1:0:0:2::3"),
            ("1::", "1::"),
        ]
        for (input, expected) in cases {
            XCTAssertEqual(try IPv6Address(parsing: input).description, expected, input)
        }
    }

    func testIPv6RejectsMalformed() {
        for bad in ["::g", "1:2:3:4:5:6:7", "1::2::3", "12345::", "1:2:3:4:5:6:7:8:9", "", ":1:2:3:4:5:6:7", "1:2:3:4:5:6:7::8"] {
            XCTAssertThrowsError(try IPv6Address(parsing: bad), bad)
        }
    }

    func testByteRoundTrip() throws {
        let a = try IPAddress(parsing: "2001:db8::dead:beef")
        XCTAssertEqual(IPAddress(bytes: a.bytes), a)
        let b = try IPAddress(parsing: "10.9.0.1")
        XCTAssertEqual(IPAddress(bytes: b.bytes), b)
        XCTAssertNil(IPAddress(bytes: [1, 2, 3]))
    }
}
