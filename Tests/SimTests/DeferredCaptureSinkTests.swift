@testable import Sim
import XCTest

/// A `DeferredCaptureSink` given for an interface is replaced by the sink it makes when that
/// interface captures its first packet; an interface that captures nothing never gets one, and
/// the packets are those an up-front sink would have had.
final class DeferredCaptureSinkTests: XCTestCase {
    typealias N = SimTestNetwork

    /// server and client as `SimTestNetwork.pair`, and `idle`, a peer of the server that nothing is sent to.
    private func network(captureSink: CaptureSinkFactory?) throws -> Simulation {
        try Simulation(seed: 1, startUnixNanoseconds: N.start, nodes: [
            N.node("server", underlay: "203.0.113.1", wg: ["10.0.0.1/24"],
                   peers: [N.peer("client", ["10.0.0.2/32"], endpoint: false), N.peer("idle", ["10.0.0.3/32"])]),
            N.node("client", underlay: "198.51.100.2", wg: ["10.0.0.2/24"], peers: [N.peer("server", ["10.0.0.1/32"])]),
            N.node("idle", underlay: "198.51.100.3", wg: ["10.0.0.3/24"], peers: [N.peer("server", ["10.0.0.1/32"])]),
        ], captureSink: captureSink)
    }

    func testSinksAreMadeAtTheFirstPacketAndGetEveryPacket() throws {
        var made: [(name: String, sink: MemoryCaptureSink)] = []
        let deferred = DeferredCaptureSink { name in
            let sink = MemoryCaptureSink()
            made.append((name, sink))
            return sink
        }
        let sim = try network(captureSink: { _ in deferred })
        XCTAssertTrue(made.isEmpty, "nothing is made while the network is built")
        N.ping(sim, from: "client", to: "10.0.0.1", at: 1)
        sim.run()
        // Both interfaces of a node are made together, eth0 first, by the first packet either captures.
        XCTAssertEqual(made.map(\.name), ["client-eth0", "client-wg0", "server-eth0", "server-wg0"])

        let eager = try network(captureSink: nil)
        N.ping(eager, from: "client", to: "10.0.0.1", at: 1)
        eager.run()
        let expected = Dictionary(uniqueKeysWithValues: eager.captures().map { ($0.name, $0.packets) })
        XCTAssertEqual(expected["idle-eth0"]?.count, 0)
        for (name, sink) in made {
            XCTAssertEqual(sink.packets.map(\.time), expected[name]?.map(\.time), name)
            XCTAssertEqual(sink.packets.map(\.bytes), expected[name]?.map(\.bytes), name)
        }
        XCTAssertTrue(made.allSatisfy { !$0.sink.packets.isEmpty })
    }

    func testReadingWhetherANodeHasAWG0SinkMakesNone() throws {
        var made = 0
        let deferred = DeferredCaptureSink { _ in
            made += 1
            return MemoryCaptureSink()
        }
        let sim = try network(captureSink: { _ in deferred })
        XCTAssertEqual(sim.captureNames.count, 6)
        XCTAssertEqual(made, 0)
    }
}
