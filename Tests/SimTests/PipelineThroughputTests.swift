import Glibc
import Packet
import Pcap
import Routing
import Sim
import WireGuard
import XCTest

/// The hub workload of docs/benchmarks.md through the engine alone: a hub with N simulated peers
/// (sessions set up by one ping each), then M IMIX echo requests replayed at the hub to random
/// peers, which answer; every decision formatted (JSON + text) by a DecisionLogWriter and the
/// hub's eth0/wg0 written as pcap. By default a small run checks the counts; for figures:
///
///     SIM_BENCH_PEERS=200 SIM_BENCH_PACKETS=100000 swift test -c release \
///         --filter SimTests.PipelineThroughputTests
///
/// prints load and run CPU seconds and packets per CPU second (outputs under /tmp/sim-bench).
/// `SIM_BENCH_LOAD_ONLY=1` stops after building the network (load time of large hubs).
final class PipelineThroughputTests: XCTestCase {
    private static func setting(_ name: String, _ fallback: Int) -> Int {
        getenv(name).flatMap { Int(String(cString: $0)) } ?? fallback
    }

    private static func cpuSeconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    private static func v4(_ value: UInt32) -> IPAddress { .v4(IPv4Address(value)) }

    func testHubWorkloadDeliversEveryRequestAndReply() throws {
        let peers = Self.setting("SIM_BENCH_PEERS", 20)
        let packets = Self.setting("SIM_BENCH_PACKETS", 500)
        let directory = "/tmp/sim-bench-\(getpid())"
        mkdir(directory, 0o755)
        defer {
            for name in ["hub-eth0.pcap", "hub-wg0.pcap", "decisions.jsonl", "decisions.txt"] { unlink("\(directory)/\(name)") }
            rmdir(directory)
        }

        let loadStart = Self.cpuSeconds()
        var hubPeers: [PeerSpec] = []
        var nodes: [NodeSpec] = []
        for i in 0..<peers {
            let tunnel = try IPPrefix(address: Self.v4(0x0A00_0002 + UInt32(i)), length: 32)
            let lan = try IPPrefix(parsing: "192.168.\(i % 256).0/24")
            hubPeers.append(PeerSpec(peer: .node("p\(i)"), allowedIPs: [tunnel, lan], endpoint: .node("p\(i)")))
            nodes.append(NodeSpec(name: "p\(i)", underlay: Self.v4(0x6440_0002 + UInt32(i)), wireguard: InterfaceSpec(
                addresses: [try InterfaceAddress(address: Self.v4(0x0A00_0002 + UInt32(i)), prefixLength: 32)],
                peers: [PeerSpec(peer: .node("hub"), allowedIPs: [try IPPrefix(parsing: "10.0.0.0/8")], endpoint: .node("hub"))])))
        }
        nodes.insert(NodeSpec(name: "hub", underlay: try IPAddress(parsing: "203.0.113.1"), wireguard: InterfaceSpec(
            addresses: [try InterfaceAddress(parsing: "10.0.0.1/8")], peers: hubPeers)), at: 0)
        let captures = PcapCaptureDirectory(directory: directory, startUnixNanoseconds: 0)
        let sim = try Simulation(seed: 1, startUnixNanoseconds: 0, nodes: nodes, captureSink: { name in
            name.hasPrefix("hub-") ? try captures.sink(named: name) : DiscardingSink()
        })
        let loadSeconds = Self.cpuSeconds() - loadStart
        if Self.setting("SIM_BENCH_LOAD_ONLY", 0) != 0 {
            // Load figures alone: the sessions' handshakes (about ten X25519 operations per
            // peer) would dominate a 100k-peer run.
            XCTAssertEqual(sim.nodeNames.count, peers + 1)
            print("PipelineThroughput: \(peers) peers, load \(loadSeconds) s CPU")
            return
        }

        let writer = try DecisionLogWriter(jsonlPath: "\(directory)/decisions.jsonl", textPath: "\(directory)/decisions.txt")
        sim.keepsDecisions = false
        sim.onDecision = { writer.write($0) }
        for i in 0..<peers {
            sim.schedule(at: 0, .ping(node: "hub", destination: Self.v4(0x0A00_0002 + UInt32(i)), source: nil,
                                      count: 1, interval: 0, size: 8))
        }
        let handshakeStart = Self.cpuSeconds()
        sim.run(until: 500_000_000)
        let handshakeSeconds = Self.cpuSeconds() - handshakeStart

        let imix = Array(repeating: 64, count: 7) + Array(repeating: 576, count: 4) + [1420]
        var random = SeededRandom(seed: 1, label: "throughput-trace")
        let trace = (0..<packets).map { n -> CapturedPacket in
            let peer = UInt32(random.next() % UInt64(peers))
            let size = imix[Int(random.next() % 12)]
            return CapturedPacket(frame: n + 1, timestamp: Int64(n) * 1000, bytes: PacketBuilder.echoRequest(
                from: Self.v4(0x0A00_0001), to: Self.v4(0x0A00_0002 + peer), identifier: 1,
                sequence: UInt16(truncatingIfNeeded: n), payloadSize: size - 28))
        }
        let decisionsBefore = writer.count
        sim.schedule(at: 1_000_000_000, .replay(node: "hub", trace: "imix.pcap", packets: ReplayTrace(packets: trace)))
        let runStart = Self.cpuSeconds()
        sim.run(until: 1_000_000_000 + Int64(packets) * 1000 + 100_000_000)
        try writer.close()
        try captures.close()
        let runSeconds = Self.cpuSeconds() - runStart

        let hub = try XCTUnwrap(sim.summary().nodes.first)
        XCTAssertEqual(hub.echoRepliesReceived, peers + packets)
        XCTAssertEqual(hub.delivered, peers + packets)
        // Per trace packet: hub routed-to-wg + encrypted, peer decrypted + delivered, and the same
        // four for the reply.
        XCTAssertEqual(writer.count - decisionsBefore, 8 * packets)
        print(String(describing: "PipelineThroughput: \(peers) peers, load \(loadSeconds) s CPU; \(peers) sessions "
            + "(handshake + first ping) \(handshakeSeconds) s CPU; \(packets) trace packets "
            + "(\(2 * packets) inner) in \(runSeconds) s CPU = \(Double(packets) / runSeconds) trace packets/s, "
            + "\(Double(2 * packets) / runSeconds) inner packets/s"))
    }
}

/// Drops captured packets (interfaces the throughput run does not write).
private final class DiscardingSink: CaptureSink {
    func capture(time: Int64, packet: [UInt8]) {}
}
