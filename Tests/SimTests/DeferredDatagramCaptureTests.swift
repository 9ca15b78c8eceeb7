import Glibc
import Packet
import Pcap
@testable import Sim
import WireGuard
import XCTest

/// A WireGuard datagram's outer packet is built only where a capture needs its bytes: written
/// by the capture lane for a pcap file beside the event loop (headers into the file's buffer,
/// then the payload), at arrival for a receiving capture
/// that needs them when the sending one did not, by a split run's hand-over, or never. Every
/// way gives the bytes `PacketBuilder.udp` makes.
final class DeferredDatagramCaptureTests: XCTestCase {
    typealias N = SimTestNetwork

    /// Runs the client–server pair with pings both ways; `deferred` names the interfaces whose
    /// captures go to a pcap file through a two-thread pipeline (they build datagrams on the
    /// lane), the others are kept in memory. Returns every interface's packets.
    private func packets(deferring deferred: Set<String>) throws -> [String: [[UInt8]]] {
        let dir = ClientServerOutputs.temporaryDirectory("deferred-datagram")
        defer { for name in deferred { unlink("\(dir)/\(name).pcap") }; rmdir(dir) }
        let pipeline = OutputPipeline(threads: 2)
        var memory: [String: MemoryCaptureSink] = [:]
        var files: [String: PcapFileCaptureSink] = [:]
        let sim = try Simulation(seed: 5, startUnixNanoseconds: N.start, nodes: [
            N.node("server", underlay: "203.0.113.1", wg: ["10.0.0.1/24"], peers: [N.peer("client", ["10.0.0.2/32"], endpoint: false)]),
            N.node("client", underlay: "198.51.100.2", wg: ["10.0.0.2/24"], peers: [N.peer("server", ["10.0.0.1/32"])]),
        ], captureSink: { name in
            if deferred.contains(name) {
                let sink = try PcapFileCaptureSink(path: "\(dir)/\(name).pcap", startUnixNanoseconds: N.start, pipeline: pipeline)
                files[name] = sink
                return sink
            }
            let sink = MemoryCaptureSink()
            memory[name] = sink
            return sink
        })
        N.ping(sim, from: "client", to: "10.0.0.1", at: 1, count: 20)
        N.ping(sim, from: "server", to: "10.0.0.2", at: 2, count: 5)
        sim.run()
        var result: [String: [[UInt8]]] = [:]
        for (name, sink) in memory { result[name] = sink.packets.map(\.bytes) }
        for (name, sink) in files {
            try sink.close()
            let reader = try PcapReader(path: sink.path)
            var read: [[UInt8]] = []
            while let packet = try reader.next() { read.append(packet.bytes) }
            result[name] = read
        }
        pipeline.stop()
        return result
    }

    func testEveryMixOfDeferredAndImmediateCapturesGivesTheSamePackets() throws {
        let all = try packets(deferring: [])
        XCTAssertGreaterThan(all["client-eth0"]?.count ?? 0, 40, "handshake and pings on the wire")
        for deferred: Set<String> in [["server-eth0"], ["client-eth0"], ["server-eth0", "client-eth0"]] {
            let mixed = try packets(deferring: deferred)
            for name in ["server-eth0", "client-eth0", "server-wg0", "client-wg0"] {
                XCTAssertEqual(mixed[name], all[name], "\(name) with \(deferred.sorted()) written on the lane")
            }
        }
    }

    /// Nobody captures either eth0: the datagrams are never built, and delivery is unchanged.
    func testDiscardedCapturesNeedNoBytes() throws {
        XCTAssertFalse(DiscardingCaptureSink.shared.wantsDatagramBytes)
        XCTAssertTrue(MemoryCaptureSink().wantsDatagramBytes)
        let sim = try Simulation(seed: 5, startUnixNanoseconds: N.start, nodes: [
            N.node("server", underlay: "203.0.113.1", wg: ["10.0.0.1/24"], peers: [N.peer("client", ["10.0.0.2/32"], endpoint: false)]),
            N.node("client", underlay: "198.51.100.2", wg: ["10.0.0.2/24"], peers: [N.peer("server", ["10.0.0.1/32"])]),
        ], captureSink: { _ in DiscardingCaptureSink.shared })
        N.ping(sim, from: "client", to: "10.0.0.1", at: 1, count: 3)
        sim.run()
        XCTAssertEqual(sim.decisions.filter { $0.action == .delivered }.count, 6, "three requests and three replies")
    }

    /// A datagram sent without its bytes is built whole when asked for (IPv4 and IPv6), and a
    /// split run hands the built bytes to the other process.
    func testAnUnbuiltDatagramIsBuiltAsTheSenderWouldHave() throws {
        for (from, to) in [("198.51.100.2", "203.0.113.1"), ("2001:db8::2", "2001:db8::1")] {
            let source = Endpoint(address: try IPAddress(parsing: from), port: 51820)
            let destination = Endpoint(address: try IPAddress(parsing: to), port: 443)
            let payload: [UInt8] = Array(repeating: 7, count: 33) + [1, 2, 3]
            let built = PacketBuilder.udp(from: source, to: destination, payload: payload)
            XCTAssertEqual(built.count, PacketBuilder.udpHeadersLength(to: destination.address) + payload.count)
            let datagram = UnderlayDatagram(to: 1, outer: [], payload: payload, source: source,
                                            destination: destination.address, destinationPort: 443,
                                            isWireGuard: true, context: .none)
            XCTAssertEqual(datagram.outerPacket, built)
            var bytes: [UInt8] = []
            RemoteDatagram(key: EventKey(time: 1, origin: 0, sequence: 0), node: 1, datagram: datagram).encode(into: &bytes)
            let decoded = try XCTUnwrap(RemoteDatagram.decodeAll(bytes)?.first)
            XCTAssertEqual(decoded.datagram.outer, built)
            XCTAssertEqual(decoded.datagram.payload, payload)
        }
    }
}
