import Glibc
@testable import Sim
import XCTest

/// The client–server pair the output-pipeline tests run: built, pinged both ways, its decision
/// log and four captures written through an `OutputPipeline` of a given thread count into a
/// fresh directory, and every output file's bytes returned by name (the directory is removed).
/// One set-up for the tests that compare thread counts (`PipelineThreadsTests`) and the open's
/// verification (`TransportOpenVerificationTests`).
enum ClientServerOutputs {
    typealias N = SimTestNetwork

    /// Every file a run writes.
    static let files = ["decisions.jsonl", "decisions.txt", "server-eth0.pcap", "server-wg0.pcap",
                        "client-eth0.pcap", "client-wg0.pcap"]

    /// What one run wrote and counted.
    struct Outputs {
        var files: [String: [UInt8]]
        /// Decisions handed to the log writer.
        var decisions: Int
        /// Transport opens verified beside the event loop (0 unless `verifyingOpens`).
        var verifiedOpens: Int
        /// Data packets sent unsealed, their seals left to the capture lane.
        var sealsDeferred: Int
    }

    /// A fresh directory in the system's temporary folder named after `label`.
    static func temporaryDirectory(_ label: String) -> String {
        let path = FileManager.default.temporaryDirectory
            .appendingPathComponent("sim-\(label)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))").path
        mkdir(path, 0o755)
        return path
    }

    /// The server (no endpoint for its client) and the client, with `captureSink` as given.
    static func pair(captureSink: CaptureSinkFactory? = nil) throws -> Simulation {
        let nodes = [
            N.node("server", underlay: "203.0.113.1", wg: ["10.0.0.1/24"], peers: [N.peer("client", ["10.0.0.2/32"], endpoint: false)]),
            N.node("client", underlay: "198.51.100.2", wg: ["10.0.0.2/24"], peers: [N.peer("server", ["10.0.0.1/32"])]),
        ]
        return try Simulation(seed: 3, startUnixNanoseconds: N.start, nodes: nodes, captureSink: captureSink)
    }

    /// Runs the pair with `clientPings` echo requests from the client, `serverPings` from the
    /// server and one to an address nobody has, on `threads` output threads.
    static func run(threads: Int, clientPings: Int, serverPings: Int, verifyingOpens: Bool = false) throws -> Outputs {
        let dir = temporaryDirectory("pipeline-test")
        defer { for name in files { unlink("\(dir)/\(name)") }; rmdir(dir) }
        let pipeline = OutputPipeline(threads: threads)
        let captures = PcapCaptureDirectory(directory: dir, startUnixNanoseconds: N.start, maxOpenFiles: 2, pipeline: pipeline)
        let sim = try pair(captureSink: { try captures.sink(named: $0) })
        let log = try DecisionLogWriter(jsonlPath: dir + "/decisions.jsonl", textPath: dir + "/decisions.txt", pipeline: pipeline)
        sim.keepsDecisions = false
        sim.onDecision = { log.write($0) }
        if verifyingOpens { sim.verifyTransportOpens(on: pipeline) }
        N.ping(sim, from: "client", to: "10.0.0.1", at: 1, count: clientPings)
        N.ping(sim, from: "server", to: "10.0.0.2", at: 2, count: serverPings)
        N.ping(sim, from: "client", to: "10.0.0.99", at: 5)
        sim.run()
        try pipeline.transportOpens.close()
        try log.close()
        try captures.close()
        let verified = pipeline.transportOpens.verified
        pipeline.stop()
        var bytes: [String: [UInt8]] = [:]
        for name in files { bytes[name] = N.fileBytes(dir + "/" + name) }
        return Outputs(files: bytes, decisions: log.count, verifiedOpens: verified, sealsDeferred: sim.transportSealsDeferred)
    }
}
