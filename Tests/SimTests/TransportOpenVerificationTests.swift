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

    /// The client–server pair with pings both ways (several batches of checks, rekeys on the
    /// way); every output file's bytes by name, and how many opens were verified.
    private func outputs(threads: Int, verifying: Bool) throws -> (files: [String: [UInt8]], verified: Int, sealsDeferred: Int) {
        let run = try ClientServerOutputs.run(threads: threads, clientPings: 300, serverPings: 100, verifyingOpens: verifying)
        return (run.files, run.verifiedOpens, run.sealsDeferred)
    }

    func testOpensTakenAsKnownGiveTheBytesOfOpeningEveryMessageWithEveryThreadCount() throws {
        let opened = try outputs(threads: 1, verifying: false)
        XCTAssertEqual(opened.verified, 0, "without verification every message is opened at once")
        XCTAssertGreaterThan(opened.files["client-eth0.pcap"]?.count ?? 0, 300 * 100)
        for threads in [1, 2, 3] {
            let known = try outputs(threads: threads, verifying: true)
            // 400 echo requests and their replies, each opened once by libsodium as a verification.
            XCTAssertGreaterThanOrEqual(known.verified, 800, "\(threads) threads")
            // With a capture lane, data packets go out unsealed while the lane keeps up (how
            // many depends on timing; the first always does, the lane being empty) and the lane
            // seals them for the captures and the checks: the files are still the bytes of
            // sealing at once.
            if threads == 1 {
                XCTAssertEqual(known.sealsDeferred, 0, "one thread seals at once")
            } else {
                XCTAssertGreaterThan(known.sealsDeferred, 0, "\(threads) threads")
            }
            for name in ClientServerOutputs.files {
                XCTAssertTrue(known.files[name] == opened.files[name], "\(name) differs with \(threads) threads and known opens")
            }
        }
    }

    /// A check injected through the verifier (no production input can make one fail) stops the
    /// run's outputs: `close` throws it, in words, naming the node and the message.
    func testAFailedVerificationIsReportedWithTheNodeAndTheMessage() throws {
        for threads in [1, 2] {
            let pipeline = OutputPipeline(threads: threads)
            let sim = try ClientServerOutputs.pair()
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
