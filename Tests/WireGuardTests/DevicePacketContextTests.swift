import Routing
@testable import WireGuard
import XCTest

/// `PacketContext`: the caller's note about an inner packet comes back, untouched, on every
/// decision and event about that packet, on the sending and on the receiving device.
final class DevicePacketContextTests: XCTestCase {
    private func context(_ n: Int) -> PacketContext { PacketContext(origin: 3, number: n) }

    func testAStagedPacketsContextComesBackOnItsDecisionsAndDatagram() throws {
        let net = try makePair()
        let a = net.device("A")
        var events: [DeviceEvent] = []
        a.send(ipv4("10.0.0.1", "10.0.0.2"), context: context(1), now: 0, into: &events)
        a.send(ipv4("10.0.0.1", "10.0.0.2"), context: context(2), now: 0, into: &events)
        let queued = events.compactMap { event -> Decision? in
            if case .decision(let d) = event, d.action == .queued { return d }
            return nil
        }
        XCTAssertEqual(queued.map(\.context), [context(1), context(2)])
        // The handshake message carries no inner packet, so no context.
        let initiations = events.compactMap { event -> PacketContext? in
            if case .transmit(_, _, let c) = event { return c }
            return nil
        }
        XCTAssertEqual(initiations, [.none])
        net.handle("A", events)   // the handshake completes; the staged packets are sealed

        let sealed = net.decisions("A").filter { $0.action == .encrypted }
        XCTAssertEqual(sealed.map(\.context), [context(1), context(2)])
        let dataDatagrams = net.log.compactMap { entry -> PacketContext? in
            guard entry.node == "A", case .transmit(let d, _, let c) = entry.event, d.count > 32 else { return nil }
            return c
        }
        XCTAssertEqual(dataDatagrams.suffix(2), [context(1), context(2)])
    }

    func testAReceivedDatagramsContextComesBackOnDecryptedDeliveredAndDeliver() throws {
        let net = try makePair()
        net.send("A", ipv4("10.0.0.1", "10.0.0.2"))   // handshake; B now has a session
        net.autoDeliver = false
        net.clearLog()
        net.send("A", ipv4("10.0.0.1", "10.0.0.2"))
        let (_, datagram, _) = try XCTUnwrap(net.inFlight.first)
        var events: [DeviceEvent] = []
        net.device("B").receive(datagram, from: net.node("A").endpoint, context: context(7), now: net.now, into: &events)
        let decisions = events.compactMap { event -> Decision? in
            if case .decision(let d) = event { return d }
            return nil
        }
        XCTAssertEqual(decisions.filter { $0.action == .decrypted || $0.action == .delivered }.map(\.context),
                       [context(7), context(7)])
        XCTAssertTrue(events.contains { if case .deliver(_, let c) = $0 { return c == context(7) }; return false })
    }

    func testAPacketDroppedFromAFullQueueKeepsItsOwnContext() throws {
        let net = TestNet()
        try net.add("A", address: "192.0.2.1")
        try net.add("B", address: "192.0.2.2")
        try net.peer("A", "B", allowed: "10.0.0.2/32")
        net.upAll()
        net.lose = { _, _ in true }   // no handshake ever completes
        let a = net.device("A")
        var events: [DeviceEvent] = []
        for n in 1...(WireGuardConstants.maxStagedPackets + 3) {
            a.send(ipv4("10.0.0.1", "10.0.0.2"), context: context(n), now: 0, into: &events)
        }
        let dropped = events.compactMap { event -> PacketContext? in
            if case .decision(let d) = event, d.action == .droppedQueueFull { return d.context }
            return nil
        }
        XCTAssertEqual(dropped, [context(1), context(2)])
    }
}
