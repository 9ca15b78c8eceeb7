import Routing
@testable import Sim
import WireGuard
import XCTest

final class PingThroughTunnelTests: XCTestCase {
    typealias N = SimTestNetwork

    func testPingCompletesHandshakeAndEchoReplyComesBack() throws {
        let sim = try N.pair()
        N.ping(sim, from: "client", to: "10.0.0.1", at: 1, count: 3)
        sim.run()
        for d in sim.decisions { print(d.textLine) }
        XCTAssertEqual(N.count(sim, node: "server", "delivered"), 3)
        XCTAssertEqual(N.count(sim, node: "client", "delivered"), 3)
        XCTAssertEqual(sim.summary().nodes.first { $0.name == "client" }?.echoRepliesReceived, 3)
    }
}
