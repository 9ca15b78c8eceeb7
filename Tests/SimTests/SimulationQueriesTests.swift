@testable import Sim
import XCTest

/// `wg show`, route and allowed-IPs queries at a point in simulated time, and the run summary.
final class SimulationQueriesTests: XCTestCase {
    typealias N = SimTestNetwork

    func testWgShowAtAPointInTime() throws {
        let sim = try N.pair()
        N.ping(sim, from: "client", to: "10.0.0.1", at: 1)
        sim.run(until: 66 * N.second + 2_000_000)
        let text = sim.wgShow(node: "server")
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        XCTAssertEqual(lines[0], "interface: wg0")
        XCTAssertEqual(lines[1], "  public key: \(sim.publicKey(of: "server")?.base64 ?? "")")
        XCTAssertEqual(lines[2], "  private key: (hidden)")
        XCTAssertEqual(lines[3], "  listening port: 51820")
        XCTAssertEqual(lines[5], "peer: \(sim.publicKey(of: "client")?.base64 ?? "") (client)")
        XCTAssertEqual(lines[6], "  endpoint: 198.51.100.2:51820")
        XCTAssertEqual(lines[7], "  allowed ips: 10.0.0.2/32")
        // The server completed the handshake when the first data packet arrived at 1.003 s; wg
        // counts whole seconds: 66 - 1.
        XCTAssertEqual(lines[8], "  latest handshake: 1 minute, 5 seconds ago")
        XCTAssertTrue(lines[9].hasPrefix("  transfer: "), lines[9])
        XCTAssertEqual(sim.wgShow(node: "nobody"), "Unable to access interface: No such device")
    }

    func testWgShowNumberFormats() {
        XCTAssertEqual(WgShowText.bytes(1023), "1023 B")
        XCTAssertEqual(WgShowText.bytes(1024), "1.00 KiB")
        XCTAssertEqual(WgShowText.bytes(1536), "1.50 KiB")
        XCTAssertEqual(WgShowText.bytes(1152), "1.12 KiB")    // 1.125 exactly: printf rounds the tie to even
        XCTAssertEqual(WgShowText.bytes(1167), "1.14 KiB")
        XCTAssertEqual(WgShowText.bytes(UInt64.max), "16777216.00 TiB")
        XCTAssertEqual(WgShowText.bytes(5 * 1024 * 1024 + 10), "5.00 MiB")
        XCTAssertEqual(WgShowText.ago(seconds: 0), "Now")
        XCTAssertEqual(WgShowText.ago(seconds: 65), "1 minute, 5 seconds ago")
        XCTAssertEqual(WgShowText.duration(25), "25 seconds")
        XCTAssertEqual(WgShowText.duration(86_400 + 3_600 + 1), "1 day, 1 hour, 1 second")
    }

    func testSummaryCountsDropsByReason() throws {
        let sim = try N.pair()
        N.ping(sim, from: "client", to: "10.0.0.99", at: 1, count: 2)
        N.ping(sim, from: "client", to: "10.0.0.1", at: 5)
        sim.run()
        let client = try XCTUnwrap(sim.summary().nodes.first { $0.name == "client" })
        XCTAssertEqual(client.originated, 3)
        XCTAssertEqual(client.drops.map(\.reason), ["dropped-no-peer"])
        XCTAssertEqual(client.drops.map(\.count), [2])
        XCTAssertEqual(client.delivered, 1)
        XCTAssertEqual(client.actions.map(\.action), client.actions.map(\.action).sorted())
    }

    func testRouteLookupExplainsEveryMatch() throws {
        let sim = try N.pair()
        let lookup = try XCTUnwrap(sim.routeLookup(node: "client", destination: N.address("10.0.0.1")))
        XCTAssertFalse(lookup.isLocal)
        XCTAssertEqual(lookup.chosen?.description, "10.0.0.0/24 dev wg0")
        XCTAssertEqual(lookup.matches.map(\.description), ["10.0.0.0/24 dev wg0", "default dev eth0"])
        XCTAssertEqual(sim.routeLookup(node: "client", destination: N.address("10.0.0.2"))?.isLocal, true)
        XCTAssertNil(sim.lookup(node: "nobody", address: N.address("10.0.0.1")))
        XCTAssertEqual(sim.lookup(node: "client", address: N.address("10.0.0.7"))?.peer, nil)
    }

    /// No route (ENETUNREACH, no ICMP) and a local destination (delivered on lo, answered).
    func testNoRouteAndLocalDestinations() throws {
        let sim = try N.pair()
        sim.schedule(at: N.second, .send(node: "client", packet: InnerPacketSpec(
            destination: N.address("fd00::5"), source: N.address("fd00::2"))))
        N.ping(sim, from: "client", to: "10.0.0.2", at: 2)
        sim.run()
        XCTAssertEqual(sim.decisions.map(\.action.rawValue), ["no-route", "routed-elsewhere", "routed-elsewhere"])
        XCTAssertEqual(sim.decisions[0].why, "no route to fd00::5 in the host route table (Network is unreachable)")
        XCTAssertEqual(sim.decisions[1].why, "10.0.0.2 is a local address: delivered on lo")
        XCTAssertEqual(sim.decisions[1].ifaceName, "lo")
        XCTAssertEqual(sim.summary().nodes.first { $0.name == "client" }?.echoRepliesReceived, 1)
    }
}
