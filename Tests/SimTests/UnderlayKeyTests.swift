import NetAddress
import Routing
@testable import Sim
import WireGuard
import XCTest

/// The underlay index's own hash (`UnderlayKey`) and the action positions the per-decision
/// tables index by (`Action.casePosition`).
final class UnderlayKeyTests: XCTestCase {
    func testEqualAddressesHashAlikeAndTheHashIsTheKeysHashValue() throws {
        let a = UnderlayKey(try IPAddress(parsing: "10.1.2.3"))
        let b = UnderlayKey(try IPAddress(parsing: "10.1.2.3"))
        XCTAssertEqual(a, b)
        XCTAssertEqual(a.hashValue, b.hashValue)
        XCTAssertEqual(a.hashValue, a.mixed, "PositionTable reads hashValue: it must be the mixed bits")
        XCTAssertNotEqual(UnderlayKey(try IPAddress(parsing: "10.1.2.3")), UnderlayKey(try IPAddress(parsing: "10.1.2.4")))
        XCTAssertNotEqual(UnderlayKey(try IPAddress(parsing: "0.0.0.1")), UnderlayKey(try IPAddress(parsing: "::1")))
        XCTAssertEqual(Set([a, b]).count, 1)
    }

    /// Addresses that differ only in their high bits (10.x.0.1) or only in the low bits must
    /// reach different slots: the table masks the low bits of the hash.
    func testAddressesDifferingInHighOrLowBitsSpreadOverTheSlots() {
        let mask = (1 << 12) - 1
        var high = Set<Int>(), low = Set<Int>(), v6 = Set<Int>()
        for i in 0..<4096 {
            high.insert(UnderlayKey(.v4(IPv4Address(UInt32(i) << 20 | 1))).mixed & mask)
            low.insert(UnderlayKey(.v4(IPv4Address(0x0A00_0000 | UInt32(i)))).mixed & mask)
            v6.insert(UnderlayKey(.v6(IPv6Address(high: 0xFD00_0000_0000_0000 | UInt64(i) << 32, low: 1))).mixed & mask)
        }
        // 4,096 keys thrown at random into 4,096 slots fill about 63 % of them.
        for (name, slots) in [("high", high), ("low", low), ("v6", v6)] {
            XCTAssertGreaterThan(slots.count, 2400, "\(name) bits: \(slots.count) of 4096 slots")
        }
    }

    /// A position table keyed by `UnderlayKey` answers as a dictionary of the same entries does,
    /// through random insertions, removals and re-insertions of v4 and v6 addresses.
    func testPositionTableWithUnderlayKeysAnswersAsADictionary() {
        var rng = SeededRandom(seed: 7, label: "underlay-keys")
        var addresses: [IPAddress] = []
        for i in 0..<3000 {
            let r = rng.next()
            addresses.append(i % 3 == 0 ? .v6(IPv6Address(high: r, low: UInt64(i))) : .v4(IPv4Address(UInt32(truncatingIfNeeded: r))))
        }
        var table = PositionTable()
        var model: [IPAddress: Int] = [:]
        let keyAt = { (p: Int) in UnderlayKey(addresses[p]) }
        for step in 0..<20_000 {
            let p = Int(rng.next() % UInt64(addresses.count))
            let address = addresses[p]
            if model[address] == nil, step % 5 != 4 {
                if model.values.contains(p) { continue }
                table.insert(p, key: UnderlayKey(address), keyAt: keyAt)
                model[address] = p
            } else {
                table.remove(UnderlayKey(address), keyAt: keyAt)
                model[address] = nil
            }
            if step % 1000 == 0 || step == 19_999 {
                for (i, a) in addresses.enumerated() where i % 7 == step % 7 {
                    XCTAssertEqual(table.position(of: UnderlayKey(a), keyAt: keyAt), model[a], "step \(step), \(a)")
                }
                XCTAssertEqual(table.count, model.count)
            }
        }
    }

    func testEveryActionsCasePositionIsItsPlaceInAllCases() {
        XCTAssertTrue(ActionCaseLayout.storedByPosition, "the fast path is the one measured")
        for (i, action) in Action.allCases.enumerated() { XCTAssertEqual(action.casePosition, i, action.rawValue) }
    }
}
