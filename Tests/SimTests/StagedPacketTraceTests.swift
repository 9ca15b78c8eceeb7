import Packet
import Pcap
import Routing
@testable import Sim
import WireGuard
import XCTest

/// A replayed packet's trace frame travels with it through the device's staged queue (the
/// packet's context): the decisions made long after it was staged — sealed once the handshake
/// completes, or dropped when the queue overflows — name its own frame, however many packets are
/// staged and however many of them carry the same bytes.
final class StagedPacketTraceTests: XCTestCase {
    typealias N = SimTestNetwork

    /// A hub with `count` servers behind links that are down until 3 s, so every packet replayed
    /// at 1 s waits in a staged queue until the retried handshake completes.
    private func hub(servers count: Int) throws -> Simulation {
        let servers = (1...count).map { i in
            N.node("s\(i)", underlay: "198.18.0.\(i)", wg: ["10.0.1.\(i)/16"], peers: [N.peer("hub", ["10.0.0.1/32"])])
        }
        let hub = N.node("hub", underlay: "198.18.1.1", wg: ["10.0.0.1/16"],
                         peers: (1...count).map { N.peer("s\($0)", ["10.0.1.\($0)/32"]) })
        let links = (1...count).map { LinkSpec(between: ("hub", "s\($0)"), properties: LinkProperties(up: false)) }
        let sim = try Simulation(seed: 1, startUnixNanoseconds: N.start, nodes: [hub] + servers, links: links)
        for i in 1...count {
            sim.schedule(at: 3 * N.second, .setLink(between: ("hub", "s\(i)"), LinkChange(up: true)))
        }
        return sim
    }

    /// The same datagram to `destination`, as a trace holds it again and again.
    private func datagram(to destination: String) -> [UInt8] {
        PacketBuilder.udp(from: Endpoint(address: N.address("10.0.0.1"), port: 5000),
                          to: Endpoint(address: N.address(destination), port: 53), payload: [UInt8](repeating: 7, count: 20))
    }

    /// 40 peers × 129 staged at once (5,160, beyond the 4,096 the simulator used to remember),
    /// every peer's packets byte-identical: each sealed packet names its own frame, in order.
    func testEveryStagedPacketKeepsItsFrameBeyond4096StagedAndWithDuplicates() throws {
        let servers = 40, perServer = 129
        let sim = try hub(servers: servers)
        // Round robin over the servers: frame f goes to server (f - 1) % 40 + 1.
        let packets = (0..<servers * perServer).map { i in
            CapturedPacket(frame: i + 1, timestamp: Int64(i) * 1_000, bytes: datagram(to: "10.0.1.\(i % servers + 1)"))
        }
        sim.schedule(at: N.second, .replay(node: "hub", trace: "burst.pcap", packets: ReplayTrace(packets: packets)))
        sim.run(until: 30 * N.second)

        let queued = sim.decisions.filter { $0.node == "hub" && $0.action == .queued }
        XCTAssertEqual(queued.map { $0.trace?.frame }, (1...servers * perServer).map { $0 })
        XCTAssertFalse(sim.decisions.contains { $0.action == .droppedQueueFull })
        for server in 1...servers {
            let peer = "s\(server)"
            let expected = (0..<perServer).map { $0 * servers + server }
            let sealed = sim.decisions.filter { $0.node == "hub" && $0.action == .encrypted && $0.peer == peer }
            XCTAssertEqual(sealed.map { $0.trace?.frame }, expected, peer)
            XCTAssertTrue(sealed.allSatisfy { $0.trace?.file == "burst.pcap" })
            let delivered = sim.decisions.filter { $0.node == peer && $0.action == .delivered }
            XCTAssertEqual(delivered.map { $0.trace?.frame }, expected, peer)
        }
    }

    /// One peer, 300 identical packets: the queue keeps the newest 129, and each packet pushed
    /// out is dropped under its own frame (not the frame of the packet that pushed it out).
    func testPacketsPushedOutOfAFullQueueNameTheirOwnFrames() throws {
        let sim = try hub(servers: 1)
        let packets = (0..<300).map { i in
            CapturedPacket(frame: i + 1, timestamp: Int64(i) * 1_000, bytes: datagram(to: "10.0.1.1"))
        }
        sim.schedule(at: N.second, .replay(node: "hub", trace: "same.pcap", packets: ReplayTrace(packets: packets)))
        sim.run(until: 30 * N.second)

        let dropped = sim.decisions.filter { $0.node == "hub" && $0.action == .droppedQueueFull }
        XCTAssertEqual(dropped.map { $0.trace?.frame }, (1...171).map { $0 })
        let sealed = sim.decisions.filter { $0.node == "hub" && $0.action == .encrypted }
        XCTAssertEqual(sealed.map { $0.trace?.frame }, (172...300).map { $0 })
    }

    /// Packets that are not replayed (a ping) carry no frame, even when their bytes equal a
    /// replayed packet's staged beside them.
    func testAPacketNotReplayedNamesNoFrame() throws {
        let sim = try hub(servers: 1)
        // The bytes the `send` below makes.
        let bytes = PacketBuilder.udp(from: Endpoint(address: N.address("10.0.0.1"), port: 5000),
                                      to: Endpoint(address: N.address("10.0.1.1"), port: 53),
                                      payload: [UInt8](repeating: 0, count: 20))
        sim.schedule(at: N.second, .replay(node: "hub", trace: "one.pcap",
                                           packets: ReplayTrace(packets: [CapturedPacket(frame: 9, timestamp: 0, bytes: bytes)])))
        sim.schedule(at: N.second + 1, .send(node: "hub", packet: InnerPacketSpec(
            destination: N.address("10.0.1.1"), source: N.address("10.0.0.1"), proto: .udp, sourcePort: 5000,
            destinationPort: 53, size: 20)))
        sim.run(until: 30 * N.second)
        let queued = sim.decisions.filter { $0.node == "hub" && $0.action == .queued }
        XCTAssertEqual(queued.map(\.packet), [bytes, bytes])
        XCTAssertEqual(queued.map { $0.trace?.frame }, [9, nil])
        let sealed = sim.decisions.filter { $0.node == "hub" && $0.action == .encrypted }
        XCTAssertEqual(sealed.map { $0.trace?.frame }, [9, nil])
    }
}
