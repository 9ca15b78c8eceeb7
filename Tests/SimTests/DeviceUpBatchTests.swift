@testable import Sim
@testable import WireGuard
import XCTest

/// Nodes whose set-up scheduled nothing else come up in one queued event (`scheduleDeviceUp`),
/// each under the place its own event would have had: what they do at time 0 comes out in node
/// order, and the key-log places are the per-node set-up places.
final class DeviceUpBatchTests: XCTestCase {
    typealias N = SimTestNetwork

    /// A hub and three clients; `keepalive` clients send a keepalive when wg0 comes up, which
    /// starts a handshake (and logs its secrets) at time 0.
    private func network(keepalive: Int?) throws -> Simulation {
        try Simulation(seed: 7, startUnixNanoseconds: N.start, nodes: [
            N.node("hub", underlay: "203.0.113.1", wg: ["10.0.0.1/8"],
                   peers: [N.peer("a", ["10.0.0.2/32"]), N.peer("b", ["10.0.0.3/32"]), N.peer("c", ["10.0.0.4/32"])]),
            N.node("a", underlay: "100.64.0.2", wg: ["10.0.0.2/32"], peers: [N.peer("hub", ["10.0.0.0/8"], keepalive: keepalive)]),
            NodeSpec(name: "plain", underlay: N.address("100.64.0.9"), wireguard: nil, routes: []),
            N.node("b", underlay: "100.64.0.3", wg: ["10.0.0.3/32"], peers: [N.peer("hub", ["10.0.0.0/8"], keepalive: keepalive)]),
            N.node("c", underlay: "100.64.0.4", wg: ["10.0.0.4/32"], peers: [N.peer("hub", ["10.0.0.0/8"], keepalive: keepalive)]),
        ])
    }

    func testAlikeNodesShareOneQueuedEvent() throws {
        let sim = try network(keepalive: nil)
        XCTAssertEqual(sim.queue.count, 1, "hub, a, b and c come up in one event")
        sim.run(until: 0)
        XCTAssertEqual(sim.queue.count, 0)
        for node in sim.nodes where node.device != nil {
            XCTAssertEqual(node.device?.isUp, true, node.name)
            XCTAssertEqual(sim.scheduledBy[node.index], 1, "\(node.name): its device-up took its first place")
        }
    }

    func testWhatEachNodeDoesAtUpComesInNodeOrderUnderItsOwnPlace() throws {
        let sim = try network(keepalive: 25)
        var nodes: [String] = []
        sim.onDecision = { nodes.append($0.node) }
        sim.run(until: 0)
        XCTAssertEqual(firstSeen(nodes), ["a", "b", "c"])
        // Each client's first secrets were logged under its own set-up place (time 0, setup origin).
        let origins = Set(sim.keyLogKeys.filter { $0.time == 0 && $0.origin < EventOrigin.scenario }.map(\.origin))
        XCTAssertEqual(origins, [EventOrigin.setup(1), EventOrigin.setup(3), EventOrigin.setup(4)])
        XCTAssertTrue(sim.keyLogKeys.allSatisfy { $0.sequence == 0 || $0.origin >= 0 })
    }
}

/// The distinct elements of `items` in first-seen order.
private func firstSeen(_ items: [String]) -> [String] {
    var seen = Set<String>()
    return items.filter { seen.insert($0).inserted }
}
