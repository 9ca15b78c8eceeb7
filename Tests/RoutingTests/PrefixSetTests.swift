@testable import Routing
import XCTest

/// `PrefixSet` against the obvious reference: a set of addresses, compared address by address in
/// a small space (one IPv4 /24, and a few IPv6 ranges), plus the minimality of the output.
final class PrefixSetTests: XCTestCase {
    /// A random prefix inside 10.1.2.0/24 (lengths 24...32, host bits possibly set).
    private func randomPrefix(_ rng: inout SplitMix64) -> IPPrefix {
        let length = Int.random(in: 24...32, using: &rng)
        let host = UInt32.random(in: 0...255, using: &rng)
        return try! IPPrefix(address: .v4(IPv4Address(0x0A01_0200 | host)), length: length)
    }

    private func addresses(of set: PrefixSet) -> Set<UInt32> {
        Set((0...255).map { UInt32(0x0A01_0200 | $0) }.filter { set.contains(.v4(IPv4Address($0))) })
    }

    private func addresses(of prefixes: [IPPrefix]) -> Set<UInt32> {
        Set((0...255).map { UInt32(0x0A01_0200 | $0) }.filter { a in prefixes.contains { $0.contains(.v4(IPv4Address(a))) } })
    }

    /// No two prefixes overlap, none are siblings (they would merge), and the order is sorted.
    private func assertMinimal(_ set: PrefixSet, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(set.prefixes, set.prefixes.sorted(), "sorted", file: file, line: line)
        for (i, a) in set.prefixes.enumerated() {
            for b in set.prefixes[(i + 1)...] {
                XCTAssertFalse(PrefixSet.overlaps(a, b), "\(a) and \(b) overlap", file: file, line: line)
                if a.length == b.length, a.length > 0 {
                    XCTAssertNotEqual(PrefixSet.parent(of: a), PrefixSet.parent(of: b), "\(a) and \(b) merge", file: file, line: line)
                }
            }
        }
    }

    func testRandomSubtractionAndUnionMatchTheAddressByAddressReference() {
        var rng = SplitMix64(seed: 12)
        for round in 0..<400 {
            let a = (0..<Int.random(in: 0...6, using: &rng)).map { _ in randomPrefix(&rng) }
            let b = (0..<Int.random(in: 0...6, using: &rng)).map { _ in randomPrefix(&rng) }
            let setA = PrefixSet(a), setB = PrefixSet(b)
            XCTAssertEqual(addresses(of: setA), addresses(of: a), "round \(round): cover of \(a)")
            let difference = setA.subtracting(setB)
            XCTAssertEqual(addresses(of: difference), addresses(of: a).subtracting(addresses(of: b)), "round \(round): \(a) - \(b)")
            let union = setA.union(setB)
            XCTAssertEqual(addresses(of: union), addresses(of: a).union(addresses(of: b)), "round \(round): \(a) + \(b)")
            for set in [setA, difference, union] { assertMinimal(set) }
            // The cover is the canonical form: rebuilding from its addresses as /32s gives it back.
            let hosts = addresses(of: difference).map { try! IPPrefix(address: .v4(IPv4Address($0)), length: 32) }
            XCTAssertEqual(PrefixSet(hosts), difference, "round \(round)")
        }
    }

    func testTheBriefsExample() throws {
        let (set, warnings) = try PrefixSet.evaluating(["0.0.0.0/0,::/0", "-", "192.168.1.0/24,10.0.0.5/32"])
        XCTAssertEqual(warnings, [])
        XCTAssertFalse(set.contains(try IPAddress(parsing: "192.168.1.77")))
        XCTAssertFalse(set.contains(try IPAddress(parsing: "10.0.0.5")))
        XCTAssertTrue(set.contains(try IPAddress(parsing: "10.0.0.4")))
        XCTAssertTrue(set.contains(try IPAddress(parsing: "192.168.2.1")))
        XCTAssertTrue(set.contains(try IPAddress(parsing: "2001:db8::1")))
        XCTAssertEqual(set.prefixes.last, IPPrefix.allIPv6)
        // The holes lie in different halves of 0.0.0.0/0 (first bit 0 for 10/8, 1 for 192/8), so
        // each half minus its hole leaves one prefix per level below /1: 23 + 31, plus ::/0.
        XCTAssertEqual(set.prefixes.count - 1, 23 + 31)
        assertMinimal(set)
    }

    func testIPv6CasesAddressByAddress() throws {
        // A /120 is 256 addresses: small enough to compare one by one.
        let base = try IPAddress(parsing: "2001:db8::")
        func host(_ i: UInt64) -> IPAddress { .v6(IPv6Address(high: 0x2001_0db8_0000_0000, low: i)) }
        var rng = SplitMix64(seed: 6)
        for round in 0..<150 {
            func random() -> IPPrefix {
                try! IPPrefix(address: host(UInt64.random(in: 0...255, using: &rng)), length: Int.random(in: 120...128, using: &rng))
            }
            let a = (0..<Int.random(in: 1...5, using: &rng)).map { _ in random() }
            let b = (0..<Int.random(in: 0...5, using: &rng)).map { _ in random() }
            let result = PrefixSet(a).subtracting(PrefixSet(b))
            for i in UInt64(0)...255 {
                let address = host(i)
                let expected = a.contains { $0.contains(address) } && !b.contains { $0.contains(address) }
                XCTAssertEqual(result.contains(address), expected, "round \(round): \(address) in \(a) - \(b)")
            }
            assertMinimal(result)
        }
        // A hole across the 64-bit halves of the address.
        let whole = try IPPrefix(address: base, length: 32)
        let hole = try IPPrefix(parsing: "2001:db8::8000:0:0:1/128")
        let cut = PrefixSet([whole]).subtracting(PrefixSet([hole]))
        XCTAssertEqual(cut.prefixes.count, 128 - 32)
        XCTAssertFalse(cut.contains(hole.address))
        XCTAssertTrue(cut.contains(try IPAddress(parsing: "2001:db8::8000:0:0:0")))
        assertMinimal(cut)
    }

    func testMergingSiblingsAndFamiliesStaySeparate() throws {
        let set = try PrefixSet.parsingList("10.0.0.128/25, 10.0.0.0/25, ::/1, 8000::/1, 10.0.1.0/24").set
        XCTAssertEqual(set.description, "10.0.0.0/23, ::/0")
        XCTAssertEqual(try PrefixSet.parsingList("").set, PrefixSet())
        XCTAssertTrue(PrefixSet([IPPrefix.allIPv4]).subtracting(PrefixSet([IPPrefix.allIPv4, IPPrefix.allIPv6])).isEmpty)
    }

    func testWordsMaySplitAListOrHoldTheWholeExpression() throws {
        let expected = "10.0.0.0/9, 10.192.0.0/10"
        XCTAssertEqual(try PrefixSet.evaluating(["10.0.0.0/8 - 10.128.0.0/10"]).set.description, expected)
        XCTAssertEqual(try PrefixSet.evaluating(["10.0.0.0/9,", "10.128.0.0/9", "-", "10.128.0.0/10"]).set.description, expected)
        XCTAssertEqual(try PrefixSet.evaluating(["10.0.0.0/9", "+", "10.128.0.0/9 - 10.128.0.0/10"]).set.description, expected)
    }

    func testHostBitsWarnAndBadInputIsWorded() throws {
        let (set, warnings) = try PrefixSet.parsingList("10.0.0.1/24")
        XCTAssertEqual(set.description, "10.0.0.0/24")
        XCTAssertEqual(warnings, ["AllowedIP has nonzero host part: 10.0.0.1/24 (the entry is 10.0.0.0/24)"])
        XCTAssertThrowsError(try PrefixSet.evaluating([])) { XCTAssertTrue("\($0)".contains("give a list")) }
        XCTAssertThrowsError(try PrefixSet.evaluating(["10.0.0.0/8", "-"])) { XCTAssertTrue("\($0)".contains("at the end")) }
        XCTAssertThrowsError(try PrefixSet.evaluating(["10.0.0.0/8", "-", "10.0.0.0/40"])) { XCTAssertTrue("\($0)".contains("list 2"), "\($0)") }
        XCTAssertThrowsError(try PrefixSet.evaluating(["-", "10.0.0.0/8"])) { XCTAssertTrue("\($0)".contains("before any list")) }
        XCTAssertThrowsError(try PrefixSet.evaluating(["10.0.0.0/8", "-", "+", "10.0.0.0/9"])) { XCTAssertTrue("\($0)".contains("no list between")) }
        XCTAssertThrowsError(try PrefixSet.evaluating(["10.0.0.0/33"])) { XCTAssertTrue("\($0)".contains("larger than 32")) }
        XCTAssertThrowsError(try PrefixSet.evaluating(["+10.0.0.0/8"])) { XCTAssertTrue("\($0)".contains("plain prefixes")) }
    }
}
