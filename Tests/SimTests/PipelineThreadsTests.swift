import Glibc
import Packet
import Pcap
@testable import Sim
import XCTest

/// The output pipeline (`--threads`): worker lanes run batches in order, and a simulation's
/// decision log and captures come out byte for byte the same with 1, 2 or 3 threads.
final class PipelineThreadsTests: XCTestCase {
    typealias N = SimTestNetwork

    private func temporaryDirectory() -> String {
        let path = "/tmp/sim-pipeline-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        mkdir(path, 0o755)
        return path
    }

    private static let files = ["decisions.jsonl", "decisions.txt", "server-eth0.pcap", "server-wg0.pcap",
                                "client-eth0.pcap", "client-wg0.pcap"]

    /// Runs the client–server pair with 600 pings (more decisions and packets than several
    /// batches hold, and rekeys on the way) and returns every output file's bytes by name.
    private func outputs(threads: Int) throws -> [String: [UInt8]] {
        let dir = temporaryDirectory()
        defer { for name in Self.files { unlink("\(dir)/\(name)") }; rmdir(dir) }
        let pipeline = OutputPipeline(threads: threads)
        let captures = PcapCaptureDirectory(directory: dir, startUnixNanoseconds: N.start, maxOpenFiles: 2, pipeline: pipeline)
        let sim = try Simulation(seed: 3, startUnixNanoseconds: N.start, nodes: [
            N.node("server", underlay: "203.0.113.1", wg: ["10.0.0.1/24"], peers: [N.peer("client", ["10.0.0.2/32"], endpoint: false)]),
            N.node("client", underlay: "198.51.100.2", wg: ["10.0.0.2/24"], peers: [N.peer("server", ["10.0.0.1/32"])]),
        ], captureSink: { try captures.sink(named: $0) })
        let log = try DecisionLogWriter(jsonlPath: dir + "/decisions.jsonl", textPath: dir + "/decisions.txt", pipeline: pipeline)
        sim.keepsDecisions = false
        sim.onDecision = { log.write($0) }
        N.ping(sim, from: "client", to: "10.0.0.1", at: 1, count: 600)
        N.ping(sim, from: "server", to: "10.0.0.2", at: 2, count: 200)
        N.ping(sim, from: "client", to: "10.0.0.99", at: 5)
        sim.run()
        try log.close()
        try captures.close()
        pipeline.stop()
        XCTAssertGreaterThan(log.count, 4 * 256, "the run hands over several batches")
        var bytes: [String: [UInt8]] = [:]
        for name in Self.files { bytes[name] = N.fileBytes(dir + "/" + name) }
        return bytes
    }

    func testEveryThreadCountWritesTheSameLogAndCaptures() throws {
        let one = try outputs(threads: 1)
        XCTAssertGreaterThan(one["client-eth0.pcap"]?.count ?? 0, 600 * 100)
        for threads in [2, 3, 4] {
            let other = try outputs(threads: threads)
            for name in Self.files {
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
        let dir = temporaryDirectory()
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
