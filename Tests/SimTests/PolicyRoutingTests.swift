import Routing
@testable import Sim
import WireGuard
import XCTest

/// wg-quick's policy routing for a literal `/0` (wg-quick(8) `add_route`/`add_default`) and the
/// kernel's rule evaluation (fwmark selector, `suppress_prefixlength`).
final class PolicyRoutingTests: XCTestCase {
    typealias N = SimTestNetwork

    /// A laptop with one peer `vpn` (allowed IPs `allowed`) and the vpn server answering it.
    private func fullTunnel(_ allowed: [String], table: WgQuickTable = .auto, fwmark: UInt32 = 0,
                            laptopRoutes: [RouteSpec] = []) throws -> Simulation {
        var laptop = N.node("laptop", underlay: "198.51.100.60", wg: ["10.66.0.2/32"],
                            peers: [N.peer("vpn", allowed)], routes: laptopRoutes)
        laptop.wireguard?.table = table
        laptop.wireguard?.fwmark = fwmark
        return try Simulation(seed: 3, startUnixNanoseconds: N.start, nodes: [
            laptop,
            N.node("vpn", underlay: "203.0.113.66", wg: ["10.66.0.1/24", "9.9.9.9/32"],
                   peers: [N.peer("laptop", ["10.66.0.2/32"], endpoint: false)]),
        ])
    }

    private func actions(_ sim: Simulation, node: String) -> [String] {
        sim.decisions.filter { $0.node == node }.map(\.action.rawValue)
    }

    func testDefaultRulesAreTheKernels() throws {
        let sim = try N.pair()
        let rules = sim.policyRules(node: "client")
        XCTAssertEqual(rules.ipv4.map(\.description),
                       ["0:\tfrom all lookup local", "32766:\tfrom all lookup main", "32767:\tfrom all lookup default"])
        XCTAssertEqual(rules.ipv6.map(\.description), ["0:\tfrom all lookup local", "32766:\tfrom all lookup main"])
        XCTAssertEqual(sim.wireGuardMark(node: "client"), 0)
    }

    /// A literal /0: fwmark 51820, table 51820, and the two rules at 32765 and 32764; the ping
    /// goes into the tunnel and the handshake leaves through eth0, so the echo comes back.
    func testLiteralSlash0GetsWgQuickRulesAndWorks() throws {
        let sim = try fullTunnel(["0.0.0.0/0"])
        XCTAssertEqual(sim.wireGuardMark(node: "laptop"), 51820)
        XCTAssertEqual(sim.policyRules(node: "laptop").ipv4.map(\.description), [
            "0:\tfrom all lookup local",
            "32764:\tfrom all lookup main suppress_prefixlength 0",
            "32765:\tnot from all fwmark 0xca6c lookup 51820",
            "32766:\tfrom all lookup main",
            "32767:\tfrom all lookup default",
        ])
        XCTAssertEqual(sim.policyRules(node: "laptop").ipv6.count, 2, "no ::/0, no IPv6 rules")
        XCTAssertEqual(sim.routeTable(node: "laptop").map(\.description), ["default dev eth0", "default dev wg0 table 51820"])
        XCTAssertEqual(sim.wgShow(node: "laptop").split(separator: "\n")[4], "  fwmark: 0xca6c")

        // Unmarked: rule 32764 suppresses main's default, rule 32765 chooses table 51820.
        let inner = try XCTUnwrap(sim.routeTrace(node: "laptop", destination: N.address("9.9.9.9"), mark: 0))
        XCTAssertEqual(inner.choosingRule?.priority, 32765)
        XCTAssertEqual(inner.chosen?.description, "default dev wg0 table 51820")
        // Marked (WireGuard's own): 32765 does not apply, 32766 chooses main's default.
        let outer = try XCTUnwrap(sim.routeTrace(node: "laptop", destination: N.address("203.0.113.66")))
        XCTAssertEqual(outer.mark, 51820)
        XCTAssertEqual(outer.steps.map(\.rule.priority), [0, 32764, 32765, 32766])
        XCTAssertEqual(outer.steps[1].outcome, .suppressed(RouteSpec(prefix: N.prefix("0.0.0.0/0"), device: "eth0")))
        XCTAssertEqual(outer.steps[2].outcome, .selectorMismatch)
        XCTAssertEqual(outer.chosen?.device, "eth0")

        N.ping(sim, from: "laptop", to: "9.9.9.9", at: 1)
        sim.run(until: 3 * N.second)
        XCTAssertFalse(actions(sim, node: "laptop").contains("dropped-routing-loop"))
        XCTAssertEqual(sim.summary().nodes.first { $0.name == "laptop" }?.echoRepliesReceived, 1)
    }

    /// The main table still wins for anything more specific than its default route.
    func testSpecificMainRouteBeatsTheFullTunnelTable() throws {
        let sim = try fullTunnel(["0.0.0.0/0"], laptopRoutes: [RouteSpec(prefix: N.prefix("192.0.2.0/24"), device: "eth0")])
        let trace = try XCTUnwrap(sim.routeTrace(node: "laptop", destination: N.address("192.0.2.9"), mark: 0))
        XCTAssertEqual(trace.choosingRule?.priority, 32764)
        XCTAssertEqual(trace.chosen?.description, "192.0.2.0/24 dev eth0")
    }

    /// `FwMark = 0x1234`: wg-quick takes the mark as the table number too.
    func testCustomFwMarkNamesTheTableAndTheRule() throws {
        let sim = try fullTunnel(["0.0.0.0/0"], fwmark: 0x1234)
        XCTAssertEqual(sim.wireGuardMark(node: "laptop"), 0x1234)
        XCTAssertTrue(sim.policyRules(node: "laptop").ipv4.map(\.description)
            .contains("32765:\tnot from all fwmark 0x1234 lookup 4660"))
        XCTAssertEqual(sim.routeTable(node: "laptop").map(\.description), ["default dev eth0", "default dev wg0 table 4660"])
        N.ping(sim, from: "laptop", to: "9.9.9.9", at: 1)
        sim.run(until: 3 * N.second)
        XCTAssertEqual(sim.summary().nodes.first { $0.name == "laptop" }?.echoRepliesReceived, 1)
    }

    /// `Table = 1234`: every allowed IP goes into table 1234 and no rule is added, so nothing is
    /// routed into the tunnel (the ping leaves through eth0, unencrypted) and nothing loops.
    func testCustomTableGetsRoutesButNoRules() throws {
        let sim = try fullTunnel(["0.0.0.0/0", "10.66.0.0/24"], table: .number(1234))
        XCTAssertEqual(sim.wireGuardMark(node: "laptop"), 0)
        XCTAssertEqual(sim.policyRules(node: "laptop").ipv4.count, 3)
        XCTAssertEqual(sim.routeTable(node: "laptop").map(\.description),
                       ["default dev eth0", "default dev wg0 table 1234", "10.66.0.0/24 dev wg0 table 1234"])
        XCTAssertEqual(sim.routeLookup(node: "laptop", destination: N.address("9.9.9.9"))?.chosen?.device, "eth0")
        N.ping(sim, from: "laptop", to: "10.66.0.1", at: 1)
        sim.run(until: 2 * N.second)
        XCTAssertEqual(actions(sim, node: "laptop").first, "routed-elsewhere")
        XCTAssertFalse(actions(sim, node: "laptop").contains("encrypted"))
    }

    /// `Table = main`: the routes go into the main table without wg-quick's `match` test, so a
    /// /0 collides with eth0's default route as `ip route add` would ("File exists").
    func testTableMainWithSlash0IsRefusedAsTheKernelWould() throws {
        XCTAssertThrowsError(try fullTunnel(["0.0.0.0/0"], table: .number(RouteTableID.main))) { error in
            XCTAssertTrue("\(error)".contains("ip route add default dev wg0: RTNETLINK answers: File exists"), "\(error)")
        }
    }

    /// `Table = off`: no route for any allowed IP (the wg0 address's connected route stays).
    func testTableOffAddsNoRoutesAndNoRules() throws {
        var laptop = N.node("laptop", underlay: "198.51.100.60", wg: ["10.66.0.2/24"], peers: [N.peer("vpn", ["0.0.0.0/0", "10.0.0.0/8"])])
        laptop.wireguard?.table = .off
        let sim = try Simulation(seed: 3, startUnixNanoseconds: N.start, nodes: [
            laptop, N.node("vpn", underlay: "203.0.113.66", wg: ["10.66.0.1/24"], peers: []),
        ])
        XCTAssertEqual(sim.routeTable(node: "laptop").map(\.description), ["default dev eth0", "10.66.0.0/24 dev wg0"])
        XCTAssertEqual(sim.policyRules(node: "laptop").ipv4.count, 3)
        XCTAssertEqual(sim.wireGuardMark(node: "laptop"), 0)
    }

    /// `::/0` gets its own `ip -6 rule`s; the IPv4 rules stay the defaults.
    func testIPv6Slash0AddsIPv6Rules() throws {
        let sim = try Simulation(seed: 3, startUnixNanoseconds: N.start, nodes: [
            N.node("laptop", underlay: "2001:db8::60", wg: ["fd00:66::2/128"], peers: [N.peer("vpn", ["::/0"])]),
            N.node("vpn", underlay: "2001:db8::66", wg: ["fd00:66::1/64"], peers: [N.peer("laptop", ["fd00:66::2/128"], endpoint: false)]),
        ])
        let rules = sim.policyRules(node: "laptop")
        XCTAssertEqual(rules.ipv4.count, 3)
        XCTAssertEqual(rules.ipv6.map(\.description), [
            "0:\tfrom all lookup local",
            "32764:\tfrom all lookup main suppress_prefixlength 0",
            "32765:\tnot from all fwmark 0xca6c lookup 51820",
            "32766:\tfrom all lookup main",
        ])
        N.ping(sim, from: "laptop", to: "fd00:66::1", at: 1)
        sim.run(until: 3 * N.second)
        XCTAssertEqual(sim.summary().nodes.first { $0.name == "laptop" }?.echoRepliesReceived, 1)
    }

    /// Parsing of wg-quick's `Table` and wg's `FwMark` values.
    func testTableAndFwMarkParsing() {
        XCTAssertEqual(WgQuickTable(parsing: "auto"), .auto)
        XCTAssertEqual(WgQuickTable(parsing: "OFF"), .off)
        XCTAssertEqual(WgQuickTable(parsing: "main"), .number(254))
        XCTAssertEqual(WgQuickTable(parsing: "1234"), .number(1234))
        XCTAssertNil(WgQuickTable(parsing: "0"))
        XCTAssertNil(WgQuickTable(parsing: "-1"))
        XCTAssertNil(WgQuickTable(parsing: "4294967296"))
        XCTAssertNil(WgQuickTable(parsing: "sometimes"))
        XCTAssertEqual(FirewallMark.parse("off"), 0)
        XCTAssertEqual(FirewallMark.parse("51820"), 51820)
        XCTAssertEqual(FirewallMark.parse("0xCA6C"), 51820)
        XCTAssertNil(FirewallMark.parse("0XCA6C"), "wg reads hexadecimal only after a lower-case 0x")
        XCTAssertNil(FirewallMark.parse("4294967296"))
        XCTAssertNil(FirewallMark.parse("0x"))
        XCTAssertNil(FirewallMark.parse("mark"))
        XCTAssertNil(FirewallMark.parse(""))
    }

    /// `ip rule add` without a priority goes just before the rule after `lookup local`.
    func testRuleAddTakesThePriorityBeforeTheSecondRule() {
        var list = PolicyRuleList.defaultIPv4
        list.add(PolicyRule(priority: 7, table: 100))
        list.add(PolicyRule(priority: 7, table: 101))
        XCTAssertEqual(list.rules.map(\.priority), [0, 32764, 32765, 32766, 32767])
        XCTAssertEqual(list.rules.map(\.table), [255, 101, 100, 254, 253])
    }
}
