import Glibc
import Packet
import Pcap
@testable import Sim
import XCTest

/// The output pipeline (`--threads`): worker lanes run batches in order, and a simulation's
/// decision log and captures come out byte for byte the same with 1, 2 or 3 threads.
final class PipelineThreadsTests: XCTestCase {
    typealias N = SimTestNetwork

    /// Every output file's bytes by name, with 600 pings (more decisions and packets than
    /// several batches hold, and rekeys on the way).
    private func outputs(threads: Int) throws -> [String: [UInt8]] {
        let run = try ClientServerOutputs.run(threads: threads, clientPings: 600, serverPings: 200)
        XCTAssertGreaterThan(run.decisions, 4 * 256, "the run hands over several batches")
        return run.files
    }

    func testEveryThreadCountWritesTheSameLogAndCaptures() throws {
        let one = try outputs(threads: 1)
        XCTAssertGreaterThan(one["client-eth0.pcap"]?.count ?? 0, 600 * 100)
        for threads in [2, 3, 4] {
            let other = try outputs(threads: threads)
            for name in ClientServerOutputs.files {
                XCTAssertFalse(other[name]?.isEmpty ?? true, "\(name) with \(threads) threads")
                XCTAssertTrue(other[name] == one[name], "\(name) differs with \(threads) threads from the one-thread run")
            }
        }
    }

    /// A job that records its number, on whichever thread runs it.
    private final class Numbered: WorkerJob, @unchecked Sendable {
        let number: Int
        let log: UnsafeMutablePointer<[Int]>
        let delay: Bool
        init(_ number: Int, log: UnsafeMutablePointer<[Int]>, delay: Bool = false) { self.number = number; self.log = log; self.delay = delay }
        func run() {
            if delay { usleep(200) }
            log.pointee.append(number)
        }
    }

    func testALaneRunsJobsInTheOrderTheyWereSubmittedAndDrainWaitsForThem() {
        let log = UnsafeMutablePointer<[Int]>.allocate(capacity: 1)
        log.initialize(to: [])
        defer { log.deinitialize(count: 1); log.deallocate() }
        let lane = WorkerLane(capacity: 2)
        // Slow jobs first, so the producer runs ahead, fills the queue and has to wait for room.
        var mostSlots = 0
        for i in 0..<2_000 {
            lane.submit(Numbered(i, log: log, delay: i < 20))
            mostSlots = max(mostSlots, lane.slotsHeld)
        }
        lane.drain()
        XCTAssertLessThanOrEqual(mostSlots, 4, "a queue that never runs empty does not grow")
        XCTAssertEqual(log.pointee, Array(0..<2_000))
        lane.stop()
        // After stop, jobs run on the caller, still in order.
        lane.submit(Numbered(2_000, log: log))
        XCTAssertEqual(log.pointee.last, 2_000)
    }

    func testACaptureErrorIsStillReportedAtCloseWhenWrittenOnALane() throws {
        let dir = ClientServerOutputs.temporaryDirectory("pipeline-test")
        defer { unlink("\(dir)/a-eth0.pcap"); rmdir(dir) }
        let pipeline = OutputPipeline(threads: 2)
        let sink = try PcapFileCaptureSink(path: "\(dir)/a-eth0.pcap", startUnixNanoseconds: -5, pipeline: pipeline)
        sink.capture(time: 0, packet: PacketBuilder.udp(from: Endpoint(address: .v4(IPv4Address(10, 0, 0, 1)), port: 1),
                                                       to: Endpoint(address: .v4(IPv4Address(10, 0, 0, 2)), port: 2), payload: [1, 2]))
        XCTAssertThrowsError(try sink.close()) { error in
            XCTAssertTrue("\(error)".contains("does not fit a pcap record"), "\(error)")
        }
        pipeline.stop()
    }
}
