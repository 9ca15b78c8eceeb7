import Routing
@testable import Sim
import XCTest

/// Nodes set up alike share one route table's storage (`SharedRouteTables`), and a route
/// changed on one of them at run time changes only that node's table.
final class SharedRouteTablesTests: XCTestCase {
    typealias N = SimTestNetwork

    /// Where a node's route entries live: equal for two nodes sharing one table's storage.
    private func storage(_ sim: Simulation, _ name: String) throws -> UnsafeRawPointer? {
        let node = try XCTUnwrap(sim.nodeIndex[name].map { sim.nodes[$0] })
        return node.routes.entries.withUnsafeBufferPointer { UnsafeRawPointer($0.baseAddress) }
    }

    private func hub() throws -> Simulation {
        try Simulation(seed: 1, startUnixNanoseconds: N.start, nodes: [
            N.node("hub", underlay: "203.0.113.1", wg: ["10.0.0.1/8"],
                   peers: [N.peer("a", ["10.0.0.2/32"]), N.peer("b", ["10.0.0.3/32"]), N.peer("c", ["10.0.0.4/32"])]),
            // a and b differ only in /32 addresses, which add no connected route: one table.
            N.node("a", underlay: "100.64.0.2", wg: ["10.0.0.2/32"], peers: [N.peer("hub", ["10.0.0.0/8"])]),
            N.node("b", underlay: "100.64.0.3", wg: ["10.0.0.3/32"], peers: [N.peer("hub", ["10.0.0.0/8"])]),
            // c's /24 adds a connected route: a table of its own.
            N.node("c", underlay: "100.64.0.4", wg: ["10.0.0.4/24"], peers: [N.peer("hub", ["10.0.0.0/8"])]),
        ])
    }

    func testAlikeNodesShareOneTableAndOthersDoNot() throws {
        let sim = try hub()
        XCTAssertNotNil(try storage(sim, "a"))
        XCTAssertEqual(try storage(sim, "a"), try storage(sim, "b"))
        XCTAssertNotEqual(try storage(sim, "a"), try storage(sim, "c"))
        XCTAssertNotEqual(try storage(sim, "a"), try storage(sim, "hub"))
        let c = sim.nodes[try XCTUnwrap(sim.nodeIndex["c"])]
        XCTAssertEqual(c.routes.lookup(N.address("10.0.0.9"))?.spec.prefix, N.prefix("10.0.0.0/24"))
    }

    func testARouteAddedAtRunTimeChangesOnlyItsNode() throws {
        let sim = try hub()
        let route = RouteSpec(prefix: N.prefix("198.18.0.0/15"), device: "wg0")
        sim.schedule(at: 1_000_000_000, .routeAdd(node: "a", route))
        sim.run(until: 2_000_000_000)
        let a = sim.nodes[try XCTUnwrap(sim.nodeIndex["a"])]
        let b = sim.nodes[try XCTUnwrap(sim.nodeIndex["b"])]
        XCTAssertEqual(a.routes.lookup(N.address("198.18.1.1"))?.spec.prefix, N.prefix("198.18.0.0/15"))
        XCTAssertEqual(b.routes.lookup(N.address("198.18.1.1"))?.spec.device, "eth0", "b keeps the shared table")
        XCTAssertNotEqual(try storage(sim, "a"), try storage(sim, "b"))
    }
}

extension SharedRouteTablesTests {
    /// The box holding the table is shared too (one pointer per node), and a node that changes
    /// its routes gets a box of its own.
    func testAlikeNodesShareOneBoxUntilOneChanges() throws {
        let sim = try Simulation(seed: 1, startUnixNanoseconds: N.start, nodes: [
            N.node("hub", underlay: "203.0.113.1", wg: ["10.0.0.1/8"],
                   peers: [N.peer("a", ["10.0.0.2/32"]), N.peer("b", ["10.0.0.3/32"])]),
            N.node("a", underlay: "100.64.0.2", wg: ["10.0.0.2/32"], peers: [N.peer("hub", ["10.0.0.0/8"])]),
            N.node("b", underlay: "100.64.0.3", wg: ["10.0.0.3/32"], peers: [N.peer("hub", ["10.0.0.0/8"])]),
        ])
        let a = sim.nodes[try XCTUnwrap(sim.nodeIndex["a"])], b = sim.nodes[try XCTUnwrap(sim.nodeIndex["b"])]
        XCTAssertTrue(a.routeBox === b.routeBox)
        sim.schedule(at: N.second, .routeAdd(node: "b", RouteSpec(prefix: N.prefix("198.18.0.0/15"), device: "wg0")))
        sim.run(until: 2 * N.second)
        XCTAssertFalse(a.routeBox === b.routeBox)
        XCTAssertEqual(b.routes.lookup(N.address("198.18.1.1"))?.spec.device, "wg0")
        XCTAssertEqual(a.routes.lookup(N.address("198.18.1.1"))?.spec.device, "eth0")
    }
}
