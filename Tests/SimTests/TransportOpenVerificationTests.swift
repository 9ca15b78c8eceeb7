import Glibc
import Packet
@testable import Sim
import WireGuard
import XCTest

/// Receivers that take a transport message's open as known (`Simulation.verifyTransportOpens`):
/// the outputs are the bytes of a run that opens every message on the event thread, with every
/// thread count; every such open is verified by libsodium; a failed verification is reported.
final class TransportOpenVerificationTests: XCTestCase {
    typealias N = SimTestNetwork

    private func temporaryDirectory() -> String {
        let path = "/tmp/sim-open-verify-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        mkdir(path, 0o755)
        return path
    }

    private static let files = ["decisions.jsonl", "decisions.txt", "server-eth0.pcap", "server-wg0.pcap",
                                "client-eth0.pcap", "client-wg0.pcap"]

    /// The client–server pair with pings both ways (several batches of checks, rekeys on the
    /// way); every output file's bytes by name, and how many opens were verified.
    private func outputs(threads: Int, verifying: Bool) throws -> (files: [String: [UInt8]], verified: Int) {
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
        if verifying { sim.verifyTransportOpens(on: pipeline) }
        N.ping(sim, from: "client", to: "10.0.0.1", at: 1, count: 300)
        N.ping(sim, from: "server", to: "10.0.0.2", at: 2, count: 100)
        N.ping(sim, from: "client", to: "10.0.0.99", at: 5)
        sim.run()
        try pipeline.transportOpens.close()
        try log.close()
        try captures.close()
        let verified = pipeline.transportOpens.verified
        pipeline.stop()
        var bytes: [String: [UInt8]] = [:]
        for name in Self.files { bytes[name] = N.fileBytes(dir + "/" + name) }
        return (bytes, verified)
    }

    func testOpensTakenAsKnownGiveTheBytesOfOpeningEveryMessageWithEveryThreadCount() throws {
        let opened = try outputs(threads: 1, verifying: false)
        XCTAssertEqual(opened.verified, 0, "without verification every message is opened at once")
        XCTAssertGreaterThan(opened.files["client-eth0.pcap"]?.count ?? 0, 300 * 100)
        for threads in [1, 2, 3] {
            let known = try outputs(threads: threads, verifying: true)
            // 400 echo requests and their replies, each opened once by libsodium as a verification.
            XCTAssertGreaterThanOrEqual(known.verified, 800, "\(threads) threads")
            for name in Self.files {
                XCTAssertTrue(known.files[name] == opened.files[name], "\(name) differs with \(threads) threads and known opens")
            }
        }
    }

    /// A check injected through the verifier (no production input can make one fail) stops the
    /// run's outputs: `close` throws it, in words, naming the node and the message.
    func testAFailedVerificationIsReportedWithTheNodeAndTheMessage() throws {
        for threads in [1, 2] {
            let pipeline = OutputPipeline(threads: threads)
            let sim = try Simulation(seed: 3, startUnixNanoseconds: N.start, nodes: [
                N.node("server", underlay: "203.0.113.1", wg: ["10.0.0.1/24"], peers: [N.peer("client", ["10.0.0.2/32"], endpoint: false)]),
                N.node("client", underlay: "198.51.100.2", wg: ["10.0.0.2/24"], peers: [N.peer("server", ["10.0.0.1/32"])]),
            ])
            sim.verifyTransportOpens(on: pipeline)
            N.ping(sim, from: "client", to: "10.0.0.1", at: 1, count: 20)
            let key = InlineKey([UInt8](repeating: 9, count: 32))
            let packet = PacketBuilder.echoRequest(from: N.address("10.0.0.2"), to: N.address("10.0.0.1"),
                                                   identifier: 1, sequence: 1, payloadSize: 56)
            var message: [UInt8] = []
            try Transport.seal(packet: packet, mtu: 1420, key: key.bytes, receiverIndex: 0x01020304, counter: 77, into: &message)
            message[40] ^= 0x80
            var injected = false
            sim.onDecision = { record in
                // Among the run's own checks, after the first decrypted packet.
                if !injected, record.action == .decrypted {
                    injected = true
                    pipeline.transportOpens.add(TransportOpenCheck(message: message, key: key, packet: packet),
                                                time: 1_500_000_000, node: 0)
                }
            }
            sim.run()
            XCTAssertTrue(injected)
            XCTAssertThrowsError(try pipeline.transportOpens.close(), "\(threads) threads") { error in
                let text = "\(error)"
                XCTAssertTrue(text.hasPrefix("internal error: the transport message node server received at 1.500000000 s "
                                             + "(receiver index 16909060, counter 77, \(message.count) bytes)"), text)
                XCTAssertTrue(text.contains("transport message does not authenticate"), text)
                XCTAssertTrue(text.contains("This is a bug in wgsim"), text)
            }
            pipeline.stop()
        }
    }
}
