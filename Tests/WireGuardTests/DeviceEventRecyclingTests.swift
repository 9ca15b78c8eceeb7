import Routing
@testable import WireGuard
import XCTest

/// `Device.recycleEvents`: a caller hands back the array of a finished call so the next call
/// reuses its storage. Only storage is reused: no event of one call shows up in another.
final class DeviceEventRecyclingTests: XCTestCase {
    func testRecycledArrayComesBackEmptyAndTheNextCallHasOnlyItsOwnEvents() throws {
        let net = try makePair()
        var first = net.device("A").send(ipv4("10.0.0.1", "10.9.9.9"), now: 0)
        XCTAssertEqual(first.count, 2)   // dropped-no-peer decision + ICMP unreachable
        net.device("A").recycleEvents(&first)
        XCTAssertTrue(first.isEmpty)
        let second = net.device("A").send([0x20, 1, 2, 3], now: 0)
        XCTAssertEqual(second.count, 1)
        guard case .decision(let decision)? = second.first else { return XCTFail("expected a decision") }
        XCTAssertEqual(decision.action, .droppedInvalid)
    }

    func testRecyclingTwiceKeepsTheFirstBufferAndEmptiesTheSecond() throws {
        let net = try makePair()
        var first = net.device("A").send([0x20], now: 0)
        var second = net.device("A").send([0x20], now: 0)
        net.device("A").recycleEvents(&first)
        net.device("A").recycleEvents(&second)   // the device already holds storage: not taken
        XCTAssertTrue(first.isEmpty)
        XCTAssertEqual(second.count, 1)
        XCTAssertEqual(net.device("A").send([0x20], now: 0).count, 1)
    }
}
