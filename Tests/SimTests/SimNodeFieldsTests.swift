@testable import Sim
import XCTest

/// `SimNode` keeps its pending wake-up as a plain time (`Int64.min` for none): what is read back
/// is what was written, none included.
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
}
