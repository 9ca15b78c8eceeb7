import XCTest
@testable import WireGuard

/// TAI64N as the kernel writes it [wireguard-behaviour.md §4.4, §7.6; go tai64n_test.go].
final class TAI64NTests: XCTestCase {
    func testSecondsLabelIsTwoToThe62PlusTenPlusUnixSeconds() {
        let t = TAI64N(unixNanoseconds: 1_700_000_000 * 1_000_000_000)
        XCTAssertEqual(t.secondsLabel, 0x4000_0000_6553_F10A)
        XCTAssertEqual(hex(t.bytes), "400000006553f10a00000000")
    }

    // §7.6: whitened nanoseconds are a multiple of 2^24 (201,326,592 ns → 0x0C000000).
    func testWhiteningRoundsNanosecondsDownToMultipleOf2To24() {
        let t = TAI64N(unixNanoseconds: 1_700_000_000 * 1_000_000_000 + 201_326_592 + 16_000_000)
        XCTAssertEqual(t.nanoseconds, 0x0C00_0000)
        XCTAssertEqual(TAI64N(unixNanoseconds: 42, whiten: false).nanoseconds, 42)
    }

    // wireguard-go: stamps 10 ns / 10 µs / 1 ms / 10 ms apart compare equal, 20 ms apart "after"
    // (from a base aligned to the whitening unit).
    func testWhitenedStampsCloserThanTheUnitCompareEqual() {
        let base: Int64 = 1_700_000_000 * 1_000_000_000 + 2 * 16_777_216
        let t0 = TAI64N(unixNanoseconds: base)
        for delta: Int64 in [10, 10_000, 1_000_000, 10_000_000] {
            XCTAssertEqual(TAI64N(unixNanoseconds: base + delta), t0, "delta \(delta)")
        }
        XCTAssertGreaterThan(TAI64N(unixNanoseconds: base + 20_000_000), t0)
    }

    // Replay check compares the 12 bytes big-endian (§4.4): later seconds win over nanoseconds.
    func testOrderIsBytewise() throws {
        let earlier = try TAI64N(bytes: bytes(hex: "400000006553f10a3b9ac9ff"))
        let later = try TAI64N(bytes: bytes(hex: "400000006553f10b00000000"))
        XCTAssertLessThan(earlier, later)
        XCTAssertThrowsError(try TAI64N(bytes: [1, 2, 3]))
    }

    func testTimesBefore1970AndExtremesDoNotTrap() {
        let t = TAI64N(unixNanoseconds: -1, whiten: false)
        XCTAssertEqual(t.secondsLabel, 0x4000_0000_0000_0009)
        XCTAssertEqual(t.nanoseconds, 999_999_999)
        _ = TAI64N(unixNanoseconds: .min)
        _ = TAI64N(unixNanoseconds: .max)
    }
}
