import XCTest
@testable import Packet

/// `Array(zeroedCount:writing:)`, the packet path's byte arrays: zeroed, written in place, and
/// never sharing the zero region they are copied from.
final class ZeroedBytesTests: XCTestCase {
    func testBytesAreZeroWhereTheBodyDidNotWrite() {
        let bytes = [UInt8](zeroedCount: 100) { base in
            base[0] = 0x45
            base[99] = 0xff
        }
        XCTAssertEqual(bytes.count, 100)
        XCTAssertEqual(bytes[0], 0x45)
        XCTAssertEqual(bytes[99], 0xff)
        XCTAssertTrue(bytes[1..<99].allSatisfy { $0 == 0 })
    }

    func testWritingOneArrayLeavesTheNextOneZero() {
        // Every array is a copy: writing into one must not reach the shared zeros.
        for _ in 0..<3 {
            let dirty = [UInt8](zeroedCount: 1500) { base in base.update(repeating: 0xaa, count: 1500) }
            XCTAssertTrue(dirty.allSatisfy { $0 == 0xaa })
            let clean = [UInt8](zeroedCount: 1500) { _ in }
            XCTAssertTrue(clean.allSatisfy { $0 == 0 })
        }
    }

    func testAnEmptyOrNegativeCountGivesAnEmptyArrayWithoutCallingTheBody() {
        var called = false
        let bytes = [UInt8](zeroedCount: 0) { _ in called = true }
        XCTAssertTrue(bytes.isEmpty)
        XCTAssertFalse(called)
        let negative = [UInt8](zeroedCount: -5) { _ in called = true }
        XCTAssertTrue(negative.isEmpty)
        XCTAssertFalse(called)
    }

    func testArraysLargerThanTheZeroRegionAreZeroedToo() {
        let count = (1 << 17) + 3
        let bytes = [UInt8](zeroedCount: count) { base in base[count - 1] = 7 }
        XCTAssertEqual(bytes.count, count)
        XCTAssertEqual(bytes[count - 1], 7)
        XCTAssertTrue(bytes[0..<(count - 1)].allSatisfy { $0 == 0 })
    }

    func testAThrowingBodyPassesItsErrorOn() {
        struct Refused: Error {}
        XCTAssertThrowsError(try [UInt8](zeroedCount: 8) { _ in throw Refused() }) { XCTAssertTrue($0 is Refused) }
    }
}
