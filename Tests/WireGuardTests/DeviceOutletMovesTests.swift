import Routing
@testable import WireGuard
import XCTest

/// The packet path hands its events to the outlet through an unretained reference
/// (`Device.emit`) and moves the packet, the datagram and what was sealed on to it instead of
/// copying them: an outlet given a call sees the decisions, datagram, sealed packet and delivery
/// a collecting call sees, each holding the packet that was sent.
final class DeviceOutletMovesTests: XCTestCase {
    /// Keeps what a sender sealed beside the base class's events.
    private final class SealedKeepingOutlet: DeviceEventOutlet {
        var sealed: [SealedPlaintext] = []
        override func transmit(_ datagram: consuming [UInt8], to endpoint: Endpoint, context: PacketContext,
                               sealed: consuming SealedPlaintext) {
            self.sealed.append(copy sealed)
            transmit(datagram, to: endpoint, context: context)
        }
        var decisions: [Decision] { events.compactMap { if case .decision(let d) = $0 { return d } else { return nil } } }
        var datagrams: [[UInt8]] { events.compactMap { if case .transmit(let d, _, _) = $0 { return d } else { return nil } } }
    }

    /// The fields a decision is compared by here.
    private func summary(_ d: Decision) -> String {
        "\(d.action) \(d.direction) \(d.reason) peer=\(d.peer?.base64 ?? "-") prefix=\(d.prefix.map { "\($0)" } ?? "-") "
            + "candidates=\(d.candidates.map { "\($0.prefix)" }) counter=\(d.counter.map(String.init) ?? "-") "
            + "endpoint=\(d.endpoint.map { "\($0)" } ?? "-") packet=\(d.packet ?? []) "
            + "context=\(d.context.origin)/\(d.context.number)"
    }

    func testAnOutletGivenTheCallSeesWhatACollectingCallSeesWithThePacketSent() throws {
        // Two pairs in the same state (each has sent one packet, so each has a session).
        let net = try makePair()
        let twin = try makePair()
        for pair in [net, twin] {
            pair.send("A", ipv4("10.0.0.1", "10.0.0.2"))
            XCTAssertEqual(pair.delivered("B").count, 1)
        }
        let packet = ipv4("10.0.0.1", "10.0.0.2", payload: 20)
        let context = PacketContext(origin: 3, number: 17)

        let whole = collected { net.device("A").send(packet, context: context, now: net.now, into: &$0) }
        let wholeDecisions = whole.compactMap { if case .decision(let d) = $0 { return d } else { return nil } }
        let wholeDatagrams = whole.compactMap { if case .transmit(let d, _, _) = $0 { return d } else { return nil } }
        let outlet = SealedKeepingOutlet()
        twin.device("A").send(packet, context: context, now: twin.now, to: outlet)

        XCTAssertEqual(outlet.decisions.map(\.action), [.encrypted])
        XCTAssertEqual(outlet.decisions.map(summary), wholeDecisions.map(summary))
        XCTAssertEqual(outlet.decisions.first?.packet, packet)
        XCTAssertEqual(outlet.sealed.map(\.packet), [packet])
        XCTAssertEqual(outlet.datagrams.count, 1)
        XCTAssertEqual(outlet.datagrams.map(\.count), wholeDatagrams.map(\.count))

        // Received through an outlet: decrypted, then delivered, the packet on both decisions
        // and on the delivery, with the datagram's context.
        let receiver = SealedKeepingOutlet()
        twin.device("B").receive(outlet.datagrams[0], from: twin.node("A").endpoint, context: context,
                                 now: twin.now, to: receiver)
        XCTAssertEqual(receiver.decisions.map(\.action), [.decrypted, .delivered])
        XCTAssertEqual(receiver.decisions.map(\.packet), [packet, packet])
        let delivered = receiver.events.compactMap { if case .deliver(let p, let c) = $0 { return (p, c) } else { return nil } }
        XCTAssertEqual(delivered.map(\.0), [packet])
        XCTAssertEqual(delivered.map(\.1), [context])
        // The sender's packet is untouched by what the receiver did with its copy.
        XCTAssertEqual(outlet.sealed.first?.packet, packet)
    }

    /// Takes each decision by its parts, as the simulator's outlet does, and keeps them.
    private final class PartsKeepingOutlet: DeviceEventOutlet {
        var decisions: [Decision] = []
        override func decided(_ action: Action, _ direction: Direction, subject: consuming DecisionSubject,
                              reason: consuming DecisionReason) {
            decisions.append(Decision(action, direction, subject: subject, reason: reason))
        }
    }

    /// A device hands each decision over by its parts (`DeviceEventOutlet.decided`): an outlet
    /// that takes the parts gets the decisions, with the same fields, that the base class puts
    /// back together as `.decision` events, and none of them as an event.
    func testAnOutletTakingDecisionsByTheirPartsGetsWhatACollectingCallGets() throws {
        let net = try makePair()
        let twin = try makePair()
        let packet = ipv4("10.0.0.1", "10.0.0.2", payload: 12)
        let context = PacketContext(origin: 2, number: 5)
        // The first send stages the packet and starts a handshake: decisions with a packet, a
        // prefix, a peer and a reason with a payload.
        let whole = collected { net.device("A").send(packet, context: context, now: net.now, into: &$0) }
        let wholeDecisions = whole.compactMap { if case .decision(let d) = $0 { return d } else { return nil } }
        let outlet = PartsKeepingOutlet()
        twin.device("A").send(packet, context: context, now: twin.now, to: outlet)
        XCTAssertFalse(wholeDecisions.isEmpty)
        XCTAssertEqual(outlet.decisions.map(summary), wholeDecisions.map(summary))
        XCTAssertFalse(outlet.events.contains { if case .decision = $0 { return true } else { return false } },
                       "decisions taken by their parts are not also collected")
    }
}
