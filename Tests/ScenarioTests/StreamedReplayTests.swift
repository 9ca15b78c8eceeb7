import Foundation
import NetAddress
import Packet
import Pcap
import Sim
import XCTest
@testable import Scenario

/// A `replay:` trace is checked whole when the scenario loads and read again, packet by packet,
/// while the run replays it (TraceLoader.swift): the run must replay exactly what was checked,
/// and say so plainly when the file changed in between.
final class StreamedReplayTests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("streamed-replay-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

    /// `count` echo requests from a (192.168.0.1) to b, 10 ms apart, `size` bytes of data.
    private func writeTrace(_ name: String, count: Int, size: Int = 40) throws {
        let writer = try PcapWriter(path: folder.appendingPathComponent(name).path, linkType: .raw)
        let from = try IPAddress(parsing: "192.168.0.1"), to = try IPAddress(parsing: "192.168.0.2")
        for k in 0..<count {
            try writer.write(PacketBuilder.echoRequest(from: from, to: to, identifier: 7, sequence: UInt16(k), payloadSize: size),
                             timestamp: 1_700_000_000_000_000_000 + Int64(k) * 10_000_000)
        }
        try writer.close()
    }

    private func scenario(replaying trace: String) throws -> Scenario {
        try ScenarioLoader.load(text: ScenarioLoaderTests.twoNodes + "\nevents:\n  - at: 1s\n    node: a\n    replay: \(trace)\n",
                                file: "t.yaml", directory: folder.path)
    }

    private func actions(_ run: ScenarioRun) -> [String] { run.simulation.decisions.map(\.action.rawValue) }

    func testAStreamedTraceReplaysWhatAnInMemoryOneDoes() throws {
        try writeTrace("t.pcap", count: 25)
        let streamed = try ScenarioRun(try scenario(replaying: "t.pcap"))
        streamed.run()
        XCTAssertNil(streamed.replayFailure)

        guard case .replay(_, _, let trace) = try scenario(replaying: "t.pcap").events[0].action else {
            return XCTFail("not a replay")
        }
        XCTAssertEqual(trace.count, 25)
        var loaded = try scenario(replaying: "t.pcap")
        loaded.events[0].action = .replay(node: "a", trace: "t.pcap", packets: ReplayTrace(packets: try trace.allPackets()))
        let inMemory = try ScenarioRun(loaded)
        inMemory.run()
        XCTAssertEqual(N(streamed, "delivered"), 25 * 2)
        XCTAssertEqual(actions(streamed), actions(inMemory))
        XCTAssertEqual(streamed.simulation.decisions.map(\.t), inMemory.simulation.decisions.map(\.t))
    }

    func testATraceRewrittenAfterLoadingFailsTheRunAtItsEventLine() throws {
        try writeTrace("t.pcap", count: 10)
        let loaded = try scenario(replaying: "t.pcap")
        try writeTrace("t.pcap", count: 10, size: 41)   // same count, other bytes
        let run = try ScenarioRun(loaded)
        run.run()
        let failure = try XCTUnwrap(run.replayFailure)
        XCTAssertEqual(failure.line, 20)   // the event's first line
        XCTAssertTrue(failure.message.contains("replay 't.pcap': the trace changed while the run replayed it"), failure.message)
    }

    func testATraceThatGrewOrShrankOrVanishedFailsTheRun() throws {
        for change in ["grew", "shrank", "vanished"] {
            try writeTrace("t.pcap", count: 10)
            let loaded = try scenario(replaying: "t.pcap")
            switch change {
            case "grew": try writeTrace("t.pcap", count: 11)
            case "shrank": try writeTrace("t.pcap", count: 9)
            default: try FileManager.default.removeItem(at: folder.appendingPathComponent("t.pcap"))
            }
            let run = try ScenarioRun(loaded)
            run.run()
            let failure = try XCTUnwrap(run.replayFailure, change)
            XCTAssertTrue(failure.message.contains("the trace changed while the run replayed it"), "\(change): \(failure.message)")
        }
    }

    private func N(_ run: ScenarioRun, _ action: String) -> Int { actions(run).filter { $0 == action }.count }
}
