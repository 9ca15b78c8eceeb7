@testable import Sim
import WireGuard
import XCTest

/// `SimNode` keeps its pending wake-up as a plain time (`Int64.min` for none): what is read back
/// is what was written, none included. Its unretained `deviceReference` names the device it holds.
final class SimNodeFieldsTests: XCTestCase {
    func testTimerWakeUpReadsBackAsWritten() {
        let node = SimNode(index: 0, name: "n", underlay: SimTestNetwork.address("192.0.2.1"), device: nil, listenPort: 51820,
                           wg0Addresses: [], eth0Capture: DiscardingCaptureSink.shared, wg0Capture: nil)
        XCTAssertNil(node.timerWakeUp)
        for t in [Int64(0), 1, 541_002_999_000, Int64.max] {
            node.timerWakeUp = t
            XCTAssertEqual(node.timerWakeUp, t)
        }
        node.timerWakeUp = nil
        XCTAssertNil(node.timerWakeUp)
        XCTAssertFalse(node.hasWG0Capture)
        XCTAssertEqual(node.listenPort, 51820)
        XCTAssertEqual(node.nextPingIdentifier, 1)
    }

    /// The packet path calls the device through `deviceReference`: it must name `device`, whether
    /// the device was given when the node was made or set later (a node whose key pair was still
    /// being derived), and be nil without one.
    func testDeviceReferenceFollowsDevice() {
        func device(_ seed: UInt64) -> Device {
            var random = SeededRandom(seed: seed, label: "sim-node-device")
            return Device(privateKey: PrivateKey.generate(using: &random), random: random)
        }
        let given = device(1)
        let node = SimNode(index: 0, name: "n", underlay: SimTestNetwork.address("192.0.2.1"), device: given, listenPort: 51820,
                           wg0Addresses: [], eth0Capture: DiscardingCaptureSink.shared, wg0Capture: nil)
        XCTAssertTrue(node.deviceReference?.takeUnretainedValue() === given)
        let later = device(2)
        node.device = later
        XCTAssertTrue(node.deviceReference?.takeUnretainedValue() === later)
        node.device = nil
        XCTAssertNil(node.deviceReference)
    }
}
