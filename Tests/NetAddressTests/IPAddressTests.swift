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
