import XCTest
@testable import Sim

/// `MallocSettings.fixMmapThreshold()` (what `wgsim` calls at its start) reaches glibc's
/// allocator: `mallopt` answers 1 when it takes a setting, 0 when it refuses one.
final class MallocSettingsTests: XCTestCase {
    func testTheMmapThresholdIsTakenOnGlibc() throws {
        #if canImport(Glibc)
        XCTAssertTrue(MallocSettings.fixMmapThreshold())
        let block = UnsafeMutableRawPointer.allocate(byteCount: 1 << 20, alignment: 16)
        block.deallocate()   // a freed 1 MiB mapping: with the threshold fixed glibc keeps 128 KiB
        XCTAssertTrue(MallocSettings.fixMmapThreshold(), "setting it again is taken again")
        #else
        throw XCTSkip("glibc only")
        #endif
    }
}
