import Foundation
@testable import Scenario
@testable import Sim
import WireGuard
import XCTest

/// A run whose receivers take transport opens as known (`RunOutputs.verifyTransportOpens`):
/// the outputs' `finish` reports a failed verification as an internal error, the route a failed
/// write takes, so `wgsim run` exits non-zero and keeps none of the outputs.
final class RunOutputsOpenVerificationTests: XCTestCase {
    func testAFailedOpenVerificationFailsTheOutputsWithAnInternalError() throws {
        for threads in [1, 2] {
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("runoutputs-verify-\(getpid())-\(threads)").path
            defer { try? FileManager.default.removeItem(atPath: folder) }
            let scenario = try ScenarioLoader.load(path: "Scenarios/seed-overlap.yaml")
            let outputs = try RunOutputs(folder: folder, shownAs: "out", startUnixNanoseconds: scenario.startUnixNanoseconds,
                                         threads: threads)
            let run = try ScenarioRun(scenario, keepDecisions: false, captureSink: outputs.captureSink)
            outputs.verifyTransportOpens(of: run.simulation)
            // A check no production input can make: a message sealed under one key, checked under another.
            let packet = [UInt8](repeating: 0x45, count: 20)
            var message: [UInt8] = []
            try Transport.seal(packet: packet, mtu: 1420, key: [UInt8](repeating: 1, count: 32), receiverIndex: 5, counter: 6,
                               into: &message)
            var injected = false
            run.onDecision = { record in
                if !injected, record.action == .decrypted {
                    injected = true
                    outputs.pipeline.transportOpens.add(
                        TransportOpenCheck(message: message, key: InlineKey([UInt8](repeating: 2, count: 32)), packet: packet),
                        time: record.t, node: 0)
                }
                outputs.write(record)
            }
            run.run()
            _ = run.finish()
            XCTAssertTrue(injected, "the scenario decrypts packets")
            XCTAssertThrowsError(try outputs.finish(), "\(threads) threads") { error in
                let text = "\(error)"
                XCTAssertTrue(text.hasPrefix("out: internal error: the transport message node "), text)
                XCTAssertTrue(text.contains("(receiver index 5, counter 6, \(message.count) bytes)"), text)
                XCTAssertTrue(text.contains("transport message does not authenticate"), text)
            }
        }
    }
}
