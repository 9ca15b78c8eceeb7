@testable import Sim
import WireGuard
import XCTest

private typealias N = SimTestNetwork

/// The `.underLoad` action: a responder under load answers handshake messages that lack a valid
/// mac2 with a cookie reply (behaviour doc §3.2, §4.5; kernel receive.c
/// `wg_receive_handshake_packet`, cookie.c `wg_cookie_message_create`).
final class UnderLoadTests: XCTestCase {
    /// §4.5: under load, the first initiation (mac2 all zero) gets a cookie reply, not a
    /// response; the initiator stores the cookie and its retransmission after REKEY_TIMEOUT
    /// carries a valid mac2, which the server accepts while still under load.
    func testUnderLoadResponderSendsCookieReplyThenAcceptsInitiationWithMac2() throws {
        let sim = try N.pair()
        sim.schedule(at: 0, .underLoad(node: "server", on: true))
        N.ping(sim, from: "client", to: "10.0.0.1", at: 1)
        sim.run()
        let config = sim.decisions.first { $0.node == "server" && $0.action == .config }
        XCTAssertEqual(config?.why.hasPrefix("wg0 under load on"), true, config?.why ?? "no config decision")
        XCTAssertEqual(N.count(sim, node: "server", "cookie-reply-sent"), 1)
        XCTAssertEqual(N.count(sim, node: "client", "cookie-reply-received"), 1)
        let initiations = sim.decisions.filter { $0.node == "client" && $0.action == .handshakeInitiationSent }
        XCTAssertEqual(initiations.count, 2)
        let cookie = sim.decisions.first { $0.action == .cookieReplySent }
        let received = sim.decisions.first { $0.node == "server" && $0.action == .handshakeInitiationReceived }
        XCTAssertEqual(cookie?.receiverIndex, initiations.first?.receiverIndex, "the cookie reply answers the first initiation")
        XCTAssertEqual(received?.receiverIndex, initiations.last?.receiverIndex, "only the retransmission is processed")
        XCTAssertEqual(N.count(sim, node: "server", "delivered"), 1)
        XCTAssertEqual(sim.summary().nodes.first { $0.name == "client" }?.echoRepliesReceived, 1)
    }

    /// Switched off long enough before (more than the kernel's 1 s `last_under_load` hold), the
    /// responder answers the first initiation directly again.
    func testUnderLoadOffAnswersInitiationDirectly() throws {
        let sim = try N.pair()
        sim.schedule(at: 0, .underLoad(node: "server", on: true))
        sim.schedule(at: N.second / 2, .underLoad(node: "server", on: false))
        N.ping(sim, from: "client", to: "10.0.0.1", at: 1)
        sim.run()
        XCTAssertEqual(N.count(sim, node: "server", "cookie-reply-sent"), 0)
        XCTAssertEqual(N.count(sim, node: "client", "handshake-initiation-sent"), 1)
        XCTAssertEqual(N.count(sim, node: "server", "handshake-response-sent"), 1)
        let configs = sim.decisions.filter { $0.node == "server" && $0.action == .config }.map(\.why)
        XCTAssertEqual(configs.count, 2)
        XCTAssertEqual(configs.last?.hasPrefix("wg0 under load off"), true, configs.last ?? "")
    }

    /// A node without wg0 cannot be put under load: logged as a failed command, nothing else.
    func testUnderLoadOnNodeWithoutWg0IsCommandFailed() throws {
        let sim = try Simulation(seed: 1, startUnixNanoseconds: N.start, nodes: [
            NodeSpec(name: "host", underlay: N.address("192.0.2.5")),
        ], links: [])
        sim.schedule(at: 0, .underLoad(node: "host", on: true))
        sim.run()
        XCTAssertEqual(sim.decisions.map(\.action.rawValue), ["command-failed"])
        XCTAssertEqual(sim.decisions.first?.why.contains("Cannot find device \"wg0\""), true)
    }
}
