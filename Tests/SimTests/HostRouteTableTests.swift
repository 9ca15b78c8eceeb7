import Routing
@testable import Sim
import XCTest

/// The host route table (`ip route` semantics) and what wg-quick adds to it.
final class HostRouteTableTests: XCTestCase {
    typealias N = SimTestNetwork

    private func route(_ prefix: String, _ device: String, metric: Int? = nil, table: Int? = nil) -> RouteSpec {
        RouteSpec(prefix: N.prefix(prefix), device: device, metric: metric, table: table)
    }

    func testLongestPrefixWins() throws {
        var table = HostRouteTable()
        try table.add(route("0.0.0.0/0", "eth0"))
        try table.add(route("192.168.0.0/16", "wg0"))
        try table.add(route("192.168.32.0/24", "eth0"))
        XCTAssertEqual(table.lookup(N.address("192.168.32.19"))?.spec.device, "eth0")
        XCTAssertEqual(table.lookup(N.address("192.168.33.1"))?.spec.prefix, N.prefix("192.168.0.0/16"))
        XCTAssertEqual(table.lookup(N.address("8.8.8.8"))?.spec.device, "eth0")
    }

    func testSamePrefixLowestMetricWins() throws {
        var table = HostRouteTable()
        try table.add(route("10.0.0.0/8", "eth0", metric: 100))
        try table.add(route("10.0.0.0/8", "wg0", metric: 10))
        XCTAssertEqual(table.lookup(N.address("10.1.2.3"))?.spec.device, "wg0")
    }

    func testDuplicatePrefixAndMetricIsFileExists() throws {
        var table = HostRouteTable()
        try table.add(route("10.0.0.0/8", "eth0"))
        XCTAssertThrowsError(try table.add(route("10.0.0.0/8", "wg0"))) { error in
            XCTAssertTrue("\(error)".contains("File exists"))
        }
    }

    func testNoMatchingRouteIsNil() throws {
        var table = HostRouteTable()
        try table.add(route("10.0.0.0/8", "wg0"))
        XCTAssertNil(table.lookup(N.address("11.0.0.1")))
        XCTAssertNil(table.lookup(N.address("fd00::1")))
    }

    func testIPv6LongestPrefix() throws {
        var table = HostRouteTable()
        try table.add(route("::/0", "eth0"))
        try table.add(route("fd00::/64", "wg0"))
        XCTAssertEqual(table.lookup(N.address("fd00::5"))?.spec.device, "wg0")
        XCTAssertEqual(table.lookup(N.address("fd00:0:0:1::5"))?.spec.device, "eth0")
    }

    /// wg-quick's fwmark rules: table 51820's default route is used only when the main table has
    /// nothing more specific than its own default route (`suppress_prefixlength 0`).
    func testWgQuickFullTunnelTableLosesOnlyToSpecificMainRoutes() throws {
        var table = HostRouteTable()
        try table.add(route("0.0.0.0/0", "eth0"))
        try table.add(route("203.0.113.0/24", "eth0"))
        try table.add(route("0.0.0.0/0", "wg0", table: 51820))
        table.addRule(PolicyRule(priority: 0, fwmark: 51820, inverted: true, table: 51820), ipv4: true)
        table.addRule(PolicyRule(priority: 0, table: RouteTableID.main, suppressPrefixLength: 0), ipv4: true)
        XCTAssertEqual(table.lookup(N.address("8.8.8.8"))?.spec.device, "wg0")
        XCTAssertEqual(table.lookup(N.address("8.8.8.8"), mark: 51820)?.spec.device, "eth0")
        XCTAssertEqual(table.lookup(N.address("203.0.113.9"))?.spec.device, "eth0")
        XCTAssertEqual(table.matches(N.address("8.8.8.8")).map(\.device), ["wg0", "eth0"])
    }

    func testDeleteNeedsAnExistingRoute() throws {
        var table = HostRouteTable()
        try table.add(route("10.0.0.0/8", "wg0"))
        XCTAssertThrowsError(try table.delete(route("10.0.0.0/16", "wg0")))
        try table.delete(route("10.0.0.0/8", "wg0"))
        XCTAssertNil(table.lookup(N.address("10.0.0.1")))
    }

    /// wg-quick adds a route per wg0 address (the connected route) and per allowed IP, skipping an
    /// allowed IP that `ip route show dev wg0 match` finds already covered.
    func testWgQuickAddsConnectedAndUncoveredAllowedIPRoutes() throws {
        let sim = try Simulation(seed: 1, startUnixNanoseconds: 0, nodes: [
            N.node("server", underlay: "203.0.113.1", wg: ["192.168.0.1/16"], peers: [
                N.peer("ABCD", ["192.168.32.0/24", "10.7.0.0/16"]), N.peer("EFGH", ["192.168.32.19/32"]),
            ]),
            N.node("ABCD", underlay: "203.0.113.2", wg: ["192.168.32.1/24"], peers: [N.peer("server", ["192.168.0.0/16"])]),
            N.node("EFGH", underlay: "203.0.113.3", wg: ["192.168.32.19/24"], peers: [N.peer("server", ["0.0.0.0/0"])]),
        ])
        XCTAssertEqual(sim.routeTable(node: "server").map(\.description),
                       ["default dev eth0", "10.7.0.0/16 dev wg0", "192.168.0.0/16 dev wg0"])
        XCTAssertEqual(sim.routeTable(node: "EFGH").map(\.description),
                       ["default dev eth0", "192.168.32.0/24 dev wg0", "default dev wg0 table 51820"])
        XCTAssertEqual(sim.routeLookup(node: "EFGH", destination: N.address("8.8.8.8"))?.chosen?.device, "wg0")
    }

    /// Linux flushes the routes through an interface set down; up restores only connected routes
    /// (net/ipv4/fib_frontend.c `fib_netdev_event`).
    func testWg0DownFlushesItsRoutesAndUpRestoresConnectedOnes() throws {
        let sim = try N.pair()
        sim.schedule(at: 0, .routeAdd(node: "client", RouteSpec(prefix: N.prefix("10.9.0.0/16"), device: "wg0")))
        sim.schedule(at: 1, .linkState(node: "client", device: "wg0", up: false))
        sim.run(until: 1)
        XCTAssertEqual(sim.routeTable(node: "client").map(\.description), ["default dev eth0"])
        sim.schedule(at: 2, .linkState(node: "client", device: "wg0", up: true))
        sim.run(until: 2)
        XCTAssertEqual(sim.routeTable(node: "client").map(\.description), ["default dev eth0", "10.0.0.0/24 dev wg0"])
        XCTAssertEqual(sim.decisions.map(\.action.rawValue), ["config", "config", "config"])
    }

    /// `ip route add` refuses unknown devices and down links; `via` alone takes the gateway's device.
    func testRouteAddChecksDeviceAndResolvesGateway() throws {
        let sim = try N.pair()
        sim.schedule(at: 0, .routeAdd(node: "client", RouteSpec(prefix: N.prefix("10.9.0.0/16"), device: "eth1")))
        sim.schedule(at: 0, .routeAdd(node: "client", RouteSpec(prefix: N.prefix("10.8.0.0/16"), device: "",
                                                                 via: N.address("198.51.100.1"))))
        sim.schedule(at: 1, .linkState(node: "client", device: "wg0", up: false))
        sim.schedule(at: 2, .routeAdd(node: "client", RouteSpec(prefix: N.prefix("10.7.0.0/16"), device: "wg0")))
        sim.run(until: 2)
        XCTAssertEqual(sim.decisions.map(\.action.rawValue), ["command-failed", "config", "config", "command-failed"])
        XCTAssertTrue(sim.decisions[0].why.contains("Cannot find device \"eth1\""))
        XCTAssertTrue(sim.decisions[3].why.contains("Network is down"))
        XCTAssertEqual(sim.routeLookup(node: "client", destination: N.address("10.8.1.1"))?.chosen?.description,
                       "10.8.0.0/16 via 198.51.100.1 dev eth0")
        XCTAssertThrowsError(try Simulation(seed: 1, startUnixNanoseconds: 0, nodes: [
            NodeSpec(name: "a", underlay: N.address("192.0.2.1"), routes: [RouteSpec(prefix: N.prefix("10.0.0.0/8"), device: "wg0")]),
        ])) { error in XCTAssertTrue("\(error)".contains("Cannot find device")) }
    }

    /// An IPv4 /32 interface address adds no prefix route (`fib_add_ifaddr`); an IPv6 /128 does.
    func testSlash32AddressAddsNoConnectedRoute() throws {
        let sim = try Simulation(seed: 1, startUnixNanoseconds: 0, nodes: [
            N.node("a", underlay: "192.0.2.1", wg: ["10.0.0.2/32", "fd00::2/128"], peers: [N.peer("b", ["10.0.0.0/8"])]),
            N.node("b", underlay: "192.0.2.2", wg: ["10.0.0.1/8"], peers: [N.peer("a", ["10.0.0.2/32"])]),
        ])
        XCTAssertEqual(sim.routeTable(node: "a").map(\.description),
                       ["default dev eth0", "10.0.0.0/8 dev wg0", "fd00::2/128 dev wg0"])
    }
}
