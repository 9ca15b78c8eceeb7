import Routing
@testable import Sim
import WireGuard
import XCTest

/// WireGuard's own UDP datagrams are routed by the host like any packet; when the route to the
/// endpoint points back into wg0 they never leave (`dropped-routing-loop`).
final class RoutingLoopTests: XCTestCase {
    typealias N = SimTestNetwork

    /// The office's endpoint 10.200.0.1 lies inside the laptop's allowed IPs `allowed`.
    private func office(laptopAllowed allowed: [String], laptopRoutes: [RouteSpec] = []) throws -> Simulation {
        try Simulation(seed: 5, startUnixNanoseconds: N.start, nodes: [
            N.node("laptop", underlay: "198.51.100.21", wg: ["10.99.0.2/32"], peers: [N.peer("office", allowed)],
                   routes: laptopRoutes),
            N.node("office", underlay: "10.200.0.1", wg: ["10.99.0.1/24"],
                   peers: [N.peer("laptop", ["10.99.0.2/32"], endpoint: false)]),
        ])
    }

    private func decisions(_ sim: Simulation, _ node: String, _ action: Action) -> [DecisionRecord] {
        sim.decisions.filter { $0.node == node && $0.action == action }
    }

    /// A /8 holding the endpoint: the initiation is routed into wg0 and dropped, nothing reaches
    /// the office, nothing is captured on the laptop's eth0.
    func testEndpointInsideSplitRouteLoops() throws {
        let sim = try office(laptopAllowed: ["10.0.0.0/8"])
        N.ping(sim, from: "laptop", to: "10.99.0.1", at: 1)
        sim.run(until: 3 * N.second)
        let loops = decisions(sim, "laptop", .droppedRoutingLoop)
        XCTAssertEqual(loops.count, 1)
        XCTAssertEqual(loops.first?.iface, .wg0)
        XCTAssertEqual(loops.first?.endpoint?.description, "10.200.0.1:51820")
        XCTAssertTrue(loops.first?.why.contains("takes route 10.0.0.0/8 dev wg0, back into wg0") ?? false,
                      loops.first?.why ?? "")
        XCTAssertTrue(decisions(sim, "office", .handshakeInitiationReceived).isEmpty)
        XCTAssertEqual(sim.summary().nodes.first { $0.name == "laptop" }?.drops.map(\.reason), ["dropped-routing-loop"])
    }

    /// A host route to the endpoint through eth0 is more specific than the /8: no loop.
    func testHostRouteToTheEndpointFixesTheLoop() throws {
        let sim = try office(laptopAllowed: ["10.0.0.0/8"],
                             laptopRoutes: [RouteSpec(prefix: N.prefix("10.200.0.1/32"), device: "eth0")])
        N.ping(sim, from: "laptop", to: "10.99.0.1", at: 1)
        sim.run(until: 3 * N.second)
        XCTAssertTrue(decisions(sim, "laptop", .droppedRoutingLoop).isEmpty)
        XCTAssertEqual(sim.summary().nodes.first { $0.name == "laptop" }?.echoRepliesReceived, 1)
    }

    /// An endpoint outside every wg0 route is not affected.
    func testEndpointOutsideTheAllowedIPsDoesNotLoop() throws {
        let sim = try office(laptopAllowed: ["10.99.0.0/24"])
        N.ping(sim, from: "laptop", to: "10.99.0.1", at: 1)
        sim.run(until: 3 * N.second)
        XCTAssertTrue(decisions(sim, "laptop", .droppedRoutingLoop).isEmpty)
        XCTAssertEqual(sim.summary().nodes.first { $0.name == "laptop" }?.echoRepliesReceived, 1)
    }

    /// `0.0.0.0/1 + 128.0.0.0/1` covers everything as /0 does, but wg-quick adds them as plain
    /// main-table routes with no rule: the endpoint's route is 128.0.0.0/1 dev wg0, a loop.
    func testHalvesInsteadOfSlash0Loop() throws {
        let sim = try Simulation(seed: 5, startUnixNanoseconds: N.start, nodes: [
            N.node("laptop", underlay: "198.51.100.60", wg: ["10.66.0.3/32"],
                   peers: [N.peer("vpn", ["0.0.0.0/1", "128.0.0.0/1"])]),
            N.node("vpn", underlay: "203.0.113.66", wg: ["10.66.0.1/24"],
                   peers: [N.peer("laptop", ["10.66.0.3/32"], endpoint: false)]),
        ])
        XCTAssertEqual(sim.wireGuardMark(node: "laptop"), 0)
        XCTAssertEqual(sim.policyRules(node: "laptop").ipv4.count, 3)
        XCTAssertEqual(sim.routeTrace(node: "laptop", destination: N.address("203.0.113.66"))?.chosen?.description,
                       "128.0.0.0/1 dev wg0")
        N.ping(sim, from: "laptop", to: "10.66.0.1", at: 1)
        sim.run(until: 3 * N.second)
        XCTAssertEqual(decisions(sim, "laptop", .droppedRoutingLoop).count, 1)
        XCTAssertTrue(decisions(sim, "vpn", .handshakeInitiationReceived).isEmpty)
    }

    /// With `Table = off` wg-quick adds no route for the allowed IPs, so a /8 holding the
    /// endpoint cannot capture it (and the tunnel carries only what the user routes into it).
    func testTableOffCannotLoop() throws {
        var laptop = N.node("laptop", underlay: "198.51.100.21", wg: ["10.99.0.2/32"], peers: [N.peer("office", ["10.0.0.0/8"])],
                            routes: [RouteSpec(prefix: N.prefix("10.99.0.0/24"), device: "wg0")])
        laptop.wireguard?.table = .off
        let sim = try Simulation(seed: 5, startUnixNanoseconds: N.start, nodes: [
            laptop,
            N.node("office", underlay: "10.200.0.1", wg: ["10.99.0.1/24"], peers: [N.peer("laptop", ["10.99.0.2/32"], endpoint: false)]),
        ])
        N.ping(sim, from: "laptop", to: "10.99.0.1", at: 1)
        sim.run(until: 3 * N.second)
        XCTAssertTrue(decisions(sim, "laptop", .droppedRoutingLoop).isEmpty)
        XCTAssertEqual(sim.summary().nodes.first { $0.name == "laptop" }?.echoRepliesReceived, 1)
    }

    /// A route added later (`ip route add`) can start the loop mid-run; deleting it ends it.
    func testRouteAddedAtRunTimeStartsTheLoop() throws {
        let sim = try office(laptopAllowed: ["10.99.0.0/24"])
        let capture = RouteSpec(prefix: N.prefix("10.200.0.0/16"), device: "wg0")
        sim.schedule(at: 0, .routeAdd(node: "laptop", capture))
        N.ping(sim, from: "laptop", to: "10.99.0.1", at: 1)
        sim.run(until: 2 * N.second)
        XCTAssertEqual(decisions(sim, "laptop", .droppedRoutingLoop).count, 1)
        sim.schedule(at: 3 * N.second, .routeDelete(node: "laptop", capture))
        sim.run(until: 10 * N.second)
        XCTAssertEqual(decisions(sim, "laptop", .droppedRoutingLoop).count, 1, "the retry at ~6 s leaves through eth0")
        XCTAssertEqual(sim.summary().nodes.first { $0.name == "laptop" }?.echoRepliesReceived, 1)
    }

    /// With no route at all to the endpoint the datagram is dropped as `no-route`.
    func testNoRouteToTheEndpoint() throws {
        let sim = try N.pair()
        sim.schedule(at: 0, .routeDelete(node: "client", RouteSpec(prefix: N.prefix("0.0.0.0/0"), device: "eth0")))
        N.ping(sim, from: "client", to: "10.0.0.1", at: 1)
        sim.run(until: 2 * N.second)
        let noRoute = sim.decisions.filter { $0.node == "client" && $0.action == .noRoute }
        XCTAssertEqual(noRoute.count, 1)
        XCTAssertTrue(noRoute.first?.why.contains("no route to 203.0.113.1:51820 for wg0's own datagram") ?? false,
                      noRoute.first?.why ?? "")
    }
}
