import Packet
import Routing
@testable import WireGuard
import XCTest

/// A data packet's transport message sent unsealed, its seal left to the environment
/// (`DeviceEventOutlet.defersTransportSeals`, `PendingTransportSeal`): the seal made later gives
/// the bytes the device would have sent, and every receiver path opens those bytes, never the
/// unsealed ones.
final class PendingTransportSealTests: XCTestCase {
    /// Keeps events as the base outlet does, what a sender sealed, every check handed over
    /// (accepted or not, as `verifies` says), and says `defers` to leaving seals.
    private final class Outlet: DeviceEventOutlet {
        let defers: Bool
        let verifies: Bool
        var sealed: [SealedPlaintext] = []
        var checks: [TransportOpenCheck] = []
        init(defers: Bool, verifies: Bool) {
            self.defers = defers
            self.verifies = verifies
        }
        override var defersTransportSeals: Bool { defers }
        override func transmit(_ datagram: consuming [UInt8], to endpoint: Endpoint, context: PacketContext,
                               sealed: consuming SealedPlaintext) {
            self.sealed.append(copy sealed)
            transmit(datagram, to: endpoint, context: context)
        }
        override func verifiesOpen(_ check: consuming TransportOpenCheck) -> Bool {
            guard verifies else { return false }
            checks.append(check)
            return true
        }
        var actions: [Action] { events.compactMap { if case .decision(let d) = $0 { return d.action } else { return nil } } }
        var delivered: [[UInt8]] { events.compactMap { if case .deliver(let p, _) = $0 { return p } else { return nil } } }
        var datagrams: [[UInt8]] { events.compactMap { if case .transmit(let d, _, _) = $0 { return d } else { return nil } } }
    }


    /// A sends `packet` through an outlet that asks for its seal to be left; the unsealed
    /// datagram and what A carried with it.
    private func sentUnsealed(by net: TestNet, _ packet: [UInt8]) throws -> (datagram: [UInt8], sealed: SealedPlaintext) {
        let outlet = Outlet(defers: true, verifies: true)
        net.device("A").send(packet, now: net.now, to: outlet)
        return (try XCTUnwrap(outlet.datagrams.last), try XCTUnwrap(outlet.sealed.last))
    }

    func testALeftSealGivesTheBytesTheDeviceWouldHaveSealed() throws {
        let net = try establishedPair()
        let packet = ipv4("10.0.0.1", "10.0.0.2", payload: 30)
        let sent = try sentUnsealed(by: net, packet)
        let pending = try XCTUnwrap(sent.sealed.pending, "a data packet's seal is left when the outlet asks")
        XCTAssertEqual(pending.unsealed, sent.datagram, "the datagram sent is the unsealed message")
        let header = try Transport.header(of: sent.datagram)
        // The message libsodium makes from the same key, counter and packet (§2 steps 5 and 7).
        var expected: [UInt8] = []
        try Transport.seal(packet: packet, mtu: WireGuardConstants.defaultMTU, key: sent.sealed.key.bytes,
                           receiverIndex: header.receiverIndex, counter: header.counter, into: &expected)
        XCTAssertEqual(pending.sealedMessage(), expected)
        XCTAssertEqual(pending.sealedCopy(), expected)
        XCTAssertEqual(pending.sealedMessage(), expected, "kept after the first call")
        let sum = expected.withUnsafeBytes { InternetChecksum.sum($0) }
        for _ in 0..<2 {
            let (message, messageSum) = pending.sealedMessageAndSum()
            XCTAssertEqual(message, expected)
            XCTAssertEqual(messageSum, sum, "the sealed message's sum (for its captures' UDP checksum), kept after the first call")
        }
        XCTAssertEqual(Array(sent.datagram.prefix(16)), Array(expected.prefix(16)), "the header is the sealed message's")
        XCTAssertEqual(sent.datagram.count, expected.count)
        XCTAssertNotEqual(sent.datagram, expected, "the body is not sealed yet")
        // The next packet with the seal made at once: the same bytes as its left seal gives.
        let next = ipv4("10.0.0.1", "10.0.0.2", payload: 31)
        let sealedNow = Outlet(defers: false, verifies: true)
        net.device("A").send(next, now: net.now, to: sealedNow)
        XCTAssertNil(sealedNow.sealed.last?.pending, "an outlet that does not ask gets sealed messages")
        var again: [UInt8] = []
        try Transport.seal(packet: next, mtu: WireGuardConstants.defaultMTU, key: sent.sealed.key.bytes,
                           receiverIndex: header.receiverIndex, counter: header.counter + 1, into: &again)
        XCTAssertEqual(sealedNow.datagrams.last, again)
    }

    func testAKeepaliveIsSealedAtOnce() throws {
        let net = try establishedPair()
        let outlet = Outlet(defers: true, verifies: true)
        net.device("A").send([], now: net.now, to: outlet)
        XCTAssertNil(outlet.sealed.last?.pending)
    }

    /// A receiver taking the open as known hands over a check that opens the sealed message;
    /// one that cannot (its outlet does not verify) opens the sealed bytes itself. Opening the
    /// unsealed datagram would fail to authenticate and drop the packet.
    func testEveryReceiverOpensTheSealedBytes() throws {
        let net = try establishedPair()
        let packet = ipv4("10.0.0.1", "10.0.0.2", payload: 20)
        let first = try sentUnsealed(by: net, packet)
        let known = Outlet(defers: false, verifies: true)
        net.device("B").receive(first.datagram, from: net.node("A").endpoint, sealed: first.sealed, now: net.now, to: known)
        XCTAssertEqual(known.actions, [.decrypted, .delivered])
        let check = try XCTUnwrap(known.checks.first)
        XCTAssertNotNil(check.pending)
        var scratch: [UInt8] = []
        XCTAssertNil(check.problem(scratch: &scratch), "the check opens what the seal makes")
        XCTAssertNotNil(TransportOpenCheck(message: first.datagram, key: check.key, packet: packet).problem(scratch: &scratch),
                        "the unsealed bytes themselves do not authenticate")

        let second = try sentUnsealed(by: net, packet)
        let itself = Outlet(defers: false, verifies: false)
        net.device("B").receive(second.datagram, from: net.node("A").endpoint, sealed: second.sealed, now: net.now, to: itself)
        XCTAssertEqual(itself.actions, [.decrypted, .delivered], "opened for real, from the sealed bytes")
        XCTAssertEqual(itself.delivered, [packet])
    }

    /// A left seal carried with another key's plaintext: the receiver opens the sealed bytes
    /// for real and drops them as not authenticating, as it would the sealed message.
    func testALeftSealUnderAnotherKeyIsDroppedAsAuthenticationFailed() throws {
        let net = try establishedPair()
        let sent = try sentUnsealed(by: net, ipv4("10.0.0.1", "10.0.0.2"))
        let otherKey = InlineKey([UInt8](repeating: 0x5a, count: 32))
        let otherKeypair = Keypair(sendingKey: otherKey.bytes, receivingKey: otherKey.bytes, localIndex: 1, remoteIndex: 2,
                                   isInitiator: true, birth: 0)
        let forged = SealedPlaintext(packet: sent.sealed.packet, keypair: otherKeypair,
                                     pending: PendingTransportSeal(unsealed: sent.datagram, key: otherKey))
        let outlet = Outlet(defers: false, verifies: true)
        net.device("B").receive(sent.datagram, from: net.node("A").endpoint, sealed: forged, now: net.now, to: outlet)
        XCTAssertTrue(outlet.checks.isEmpty)
        XCTAssertEqual(outlet.actions, [.droppedInvalid])
        XCTAssertTrue(outlet.delivered.isEmpty)
    }
}
