import Routing
import Sim
import XCTest
@testable import Scenario

/// The loader's quick dotted-quad reader must agree with the general parsers (inet_pton rules:
/// four decimal parts, no leading zeros; allowed-IPs lengths as `wg` reads them) on everything it
/// accepts, and decline everything else so the general parser's error message is the one shown.
final class DottedQuadFastPathTests: XCTestCase {
    static let accepted = ["0.0.0.0", "10.0.0.2", "255.255.255.255", "192.168.7.0", "1.22.133.4",
                           "10.0.0.2/32", "192.168.3.0/24", "10.0.0.1/8", "10.1.2.3/0", "203.0.113.9/31"]
    static let declined = ["", " 10.0.0.1", "10.0.0.1 ", "10.0.0", "10.0.0.1.5", "010.0.0.1", "10.0.0.256",
                           "1000.0.0.1", "10..0.1", "10.0.0.1/", "10.0.0.1/33", "10.0.0.1/08", "10.0.0.1/100",
                           "10.0.0.1/8/8", "::1", "fd00::1/64", "a.b.c.d", "10.0.0.1/x", "１0.0.0.1", "10.0.0.-1"]

    func testAcceptedAddressesEqualTheGeneralParsers() throws {
        for text in Self.accepted {
            XCTAssertEqual(DottedQuadFastPath.prefix(text), try IPPrefix(parsing: text), text)
            XCTAssertEqual(DottedQuadFastPath.interfaceAddress(text), try InterfaceAddress(parsing: text), text)
            if !text.contains("/") {
                XCTAssertEqual(DottedQuadFastPath.address(text), try IPAddress(parsing: text), text)
            } else {
                XCTAssertNil(DottedQuadFastPath.address(text), text)
            }
        }
    }

    func testEverythingElseIsLeftToTheGeneralParsers() {
        for text in Self.declined {
            XCTAssertNil(DottedQuadFastPath.address(text), text)
            XCTAssertNil(DottedQuadFastPath.prefix(text), text)
            XCTAssertNil(DottedQuadFastPath.interfaceAddress(text), text)
        }
    }

    /// Host bits stay on an interface address and are masked off an allowed-IPs prefix (§1.3).
    func testHostBitsKeptOnInterfaceAddressMaskedOnPrefix() throws {
        XCTAssertEqual(DottedQuadFastPath.prefix("10.1.2.3/8")?.description, "10.0.0.0/8")
        XCTAssertEqual(DottedQuadFastPath.interfaceAddress("10.1.2.3/8")?.description, "10.1.2.3/8")
    }
}
