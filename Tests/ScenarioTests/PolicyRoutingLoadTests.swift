import Routing
import Sim
import XCTest
@testable import Scenario

/// The `table:`/`fwmark:` keys of a scenario's `wireguard:` block and wg-quick's `Table`/`FwMark`.
final class PolicyRoutingLoadTests: XCTestCase {
    private func scenario(_ extra: String) -> String {
        """
        name: t
        nodes:
          a:
            underlay: 198.51.100.1
            wireguard:
              address: [10.0.0.1/32]
        \(extra)
              peers:
                - peer: b
                  allowed-ips: [0.0.0.0/0]
                  endpoint: b
          b:
            underlay: 203.0.113.2
            wireguard:
              address: [10.0.0.2/24]
        """
    }

    private func load(_ text: String) throws -> Scenario {
        try ScenarioLoader.load(text: text, file: "t.yaml", directory: "/nonexistent")
    }

    func testTableAndFwmarkKeysAreRead() throws {
        let loaded = try load(scenario("      table: 1234\n      fwmark: 0xbeef"))
        let wg = try XCTUnwrap(loaded.node(named: "a")?.wireguard)
        XCTAssertEqual(wg.table, .number(1234))
        XCTAssertEqual(wg.fwmark, 0xbeef)
        let defaults = try XCTUnwrap(try load(scenario("")).node(named: "a")?.wireguard)
        XCTAssertEqual(defaults.table, .auto)
        XCTAssertEqual(defaults.fwmark, 0)
        XCTAssertEqual(try load(scenario("      table: off")).node(named: "a")?.wireguard?.table, .off)
    }

    func testBadTableAndFwmarkNameTheLine() {
        for (extra, fragment) in [("      table: sideways", "table: 'sideways' is not off, auto, main or a table number"),
                                  ("      fwmark: 0xZZ", "fwmark: '0xZZ' is not off or a number")] {
            XCTAssertThrowsError(try load(scenario(extra)), extra) { error in
                let e = error as? ScenarioError
                XCTAssertEqual(e?.line, 7, "\(String(describing: e))")
                XCTAssertTrue(e?.message.contains(fragment) ?? false, "\(String(describing: e))")
            }
        }
    }

    /// `Table = main` with a /0 collides with eth0's default route: refused at load, at the node.
    func testKernelRefusalOfATableMainSlash0IsALoadError() {
        XCTAssertThrowsError(try load(scenario("      table: main"))) { error in
            let e = error as? ScenarioError
            XCTAssertEqual(e?.line, 3, "\(String(describing: e))")
            XCTAssertTrue(e?.message.contains("ip route add default dev wg0: RTNETLINK answers: File exists") ?? false,
                          "\(String(describing: e))")
        }
    }

    func testWgQuickTableAndFwMarkAreRead() throws {
        let wg = try WgQuickConfig.parse("[Interface]\nTable = 51821\nFwMark = 1234\n[Peer]\nPublicKey = @b\nAllowedIPs = 0.0.0.0/0\n",
                                         file: "a.conf", nodeNames: ["a", "b"])
        XCTAssertEqual(wg.table, .number(51821))
        XCTAssertEqual(wg.fwmark, 1234)
        let off = try WgQuickConfig.parse("[Interface]\ntable = off\nfwmark = off\n", file: "a.conf", nodeNames: [])
        XCTAssertEqual(off.table, .off)
        XCTAssertEqual(off.fwmark, 0)
        XCTAssertThrowsError(try WgQuickConfig.parse("[Interface]\nFwMark = -1\n", file: "a.conf", nodeNames: [])) { error in
            XCTAssertEqual((error as? ScenarioError)?.line, 2)
            XCTAssertTrue("\(error)".contains("FwMark must be off, 0 to 4294967295"), "\(error)")
        }
    }
}
