@testable import WireGuard
import XCTest

/// Keypair slots and rotation [compat src/noise.c `add_new_keypair`,
/// `wg_noise_received_with_keypair`], behaviour doc §4.8.
final class KeypairSlotsTests: XCTestCase {
    func pair(_ index: UInt32, initiator: Bool, birth: Int64 = 0) -> Keypair {
        Keypair(sendingKey: [UInt8](repeating: 1, count: 32), receivingKey: [UInt8](repeating: 2, count: 32),
                localIndex: index, remoteIndex: index + 1000, isInitiator: initiator, birth: birth)
    }

    func testInitiatorKeyBecomesCurrentAtOnce() {
        var slots = KeypairSlots()
        let a = pair(1, initiator: true), b = pair(2, initiator: true), c = pair(3, initiator: true)
        XCTAssertEqual(slots.install(a).count, 0)
        XCTAssertTrue(slots.current === a)
        XCTAssertTrue(slots.install(b).isEmpty)
        XCTAssertTrue(slots.current === b && slots.previous === a)
        let dropped = slots.install(c)
        XCTAssertTrue(dropped.count == 1 && dropped[0] === a, "old previous freed")
        XCTAssertTrue(slots.current === c && slots.previous === b && slots.next == nil)
    }

    func testResponderKeyWaitsInNextAndPreviousIsEmptied() {
        var slots = KeypairSlots()
        let a = pair(1, initiator: true), b = pair(2, initiator: true), r = pair(3, initiator: false)
        _ = slots.install(a); _ = slots.install(b)
        let dropped = slots.install(r)
        XCTAssertTrue(dropped.count == 1 && dropped[0] === a)
        XCTAssertTrue(slots.next === r && slots.current === b && slots.previous == nil)
    }

    func testKeyConfirmationRotatesNextIntoCurrent() {
        var slots = KeypairSlots()
        let a = pair(1, initiator: true), r = pair(2, initiator: false)
        _ = slots.install(a); _ = slots.install(r)
        XCTAssertFalse(slots.receivedWith(a).confirmed, "only the next keypair confirms")
        let result = slots.receivedWith(r)
        XCTAssertTrue(result.confirmed)
        XCTAssertTrue(result.dropped.isEmpty)
        XCTAssertTrue(slots.current === r && slots.previous === a && slots.next == nil)
        XCTAssertFalse(slots.receivedWith(r).confirmed, "once")
    }

    func testInitiatorCompletingWhileANextExists() {
        var slots = KeypairSlots()
        let a = pair(1, initiator: true), r = pair(2, initiator: false), i = pair(3, initiator: true)
        _ = slots.install(a); _ = slots.install(r)
        let dropped = slots.install(i)
        XCTAssertTrue(dropped.count == 1 && dropped[0] === a, "old current freed")
        XCTAssertTrue(slots.previous === r && slots.current === i && slots.next == nil)
    }

    func testClearAndExpireSending() {
        var slots = KeypairSlots()
        let a = pair(1, initiator: true), r = pair(2, initiator: false)
        _ = slots.install(a); _ = slots.install(r)
        slots.expireSending()
        XCTAssertFalse(a.sendingValid); XCTAssertFalse(r.sendingValid)
        XCTAssertTrue(a.receivingValid)
        XCTAssertEqual(slots.clear().count, 2)
        XCTAssertTrue(slots.all.isEmpty)
    }

    func testExpiryIsInclusive() {
        let k = pair(1, initiator: true, birth: 10)
        XCTAssertFalse(k.hasExpired(after: 5, now: 14))
        XCTAssertTrue(k.hasExpired(after: 5, now: 15), "birth + limit <= now")
        XCTAssertFalse(k.hasExpired(after: WireGuardConstants.rejectAfterTime, now: 10 + WireGuardConstants.rejectAfterTime - 1))
        XCTAssertTrue(k.hasExpired(after: WireGuardConstants.rejectAfterTime, now: 10 + WireGuardConstants.rejectAfterTime))
    }
}
