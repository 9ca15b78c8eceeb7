import Foundation
import Scenario
import Sim
import XCTest

/// `--capture` leaves most interfaces of a large run unwritten: they share one discarding sink
/// instead of holding one each, and no file is made for them.
final class RunOutputsSinkTests: XCTestCase {
    func testUncapturedInterfacesShareOneDiscardingSink() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("runoutputs-sinks-\(getpid())").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let outputs = try RunOutputs(folder: folder, startUnixNanoseconds: 0, captureNodes: ["hub"])
        let factory = outputs.captureSink
        let first = try factory("p1-eth0")
        let second = try factory("p2-wg0")
        XCTAssertTrue(first === DiscardingCaptureSink.shared)
        XCTAssertTrue(second === DiscardingCaptureSink.shared)
        let hub = try factory("hub-eth0")
        XCTAssertFalse(hub === DiscardingCaptureSink.shared)
        try outputs.finish()
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder + "/pcap"), ["hub-eth0.pcap"])
    }
}
