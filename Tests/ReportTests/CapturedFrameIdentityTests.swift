import NetAddress
import Packet
@testable import Report
import Sim
import WireGuard
import XCTest

/// The report joins a datagram's send to its arrival by `CapturedFrame.identity`, which must be
/// the same however each end captured it: by its bytes or by its parts, and for a WireGuard
/// transport message sealed or not yet (`PendingTransportSeal`).
final class CapturedFrameIdentityTests: XCTestCase {
    private let from = Endpoint(address: try! IPAddress(parsing: "203.0.113.1"), port: 51820)
    private let to = Endpoint(address: try! IPAddress(parsing: "198.51.100.2"), port: 51821)
    private let key = InlineKey([UInt8](repeating: 3, count: 32))

    /// An unsealed type-4 message (header, padded plaintext, zero tag) and its seal.
    private func message(counter: UInt64, body: UInt8 = 0x45) -> PendingTransportSeal {
        var unsealed = [UInt8](repeating: body, count: 16 + 48 + 16)
        unsealed[0] = 4; unsealed[1] = 0; unsealed[2] = 0; unsealed[3] = 0
        for i in 0..<4 { unsealed[4 + i] = UInt8(truncatingIfNeeded: 0x01020304 >> (8 * i)) }
        for i in 0..<8 { unsealed[8 + i] = UInt8(truncatingIfNeeded: counter >> (8 * UInt64(i))) }
        for i in 64..<80 { unsealed[i] = 0 }
        return PendingTransportSeal(unsealed: unsealed, key: key)
    }

    func testATransportMessageHasOneIdentitySealedOrNotByBytesOrByParts() {
        let seal = message(counter: 9)
        let sealed = seal.sealedCopy()
        XCTAssertNotEqual(sealed, seal.unsealed)
        let unsealedParts = CapturedFrame.datagram(from: from, to: to, payload: seal.unsealed).identity
        let sealedParts = CapturedFrame.datagram(from: from, to: to, payload: sealed).identity
        let sealedBytes = CapturedFrame.packet(PacketBuilder.udp(from: from, to: to, payload: sealed)).identity
        XCTAssertEqual(unsealedParts, sealedParts)
        XCTAssertEqual(sealedParts, sealedBytes)
    }

    func testMessagesThatDifferInCounterEndpointsOrLengthDiffer() {
        let base = CapturedFrame.datagram(from: from, to: to, payload: message(counter: 9).unsealed).identity
        XCTAssertNotEqual(base, CapturedFrame.datagram(from: from, to: to, payload: message(counter: 10).unsealed).identity)
        XCTAssertNotEqual(base, CapturedFrame.datagram(from: to, to: from, payload: message(counter: 9).unsealed).identity)
        var longer = message(counter: 9).unsealed
        longer += [UInt8](repeating: 0, count: 16)
        XCTAssertNotEqual(base, CapturedFrame.datagram(from: from, to: to, payload: longer).identity)
    }

    /// A handshake message (or any other datagram) is named by its whole payload, and a packet
    /// that is not UDP by its bytes.
    func testOtherDatagramsAndPacketsAreNamedByAllTheirBytes() {
        var initiation = [UInt8](repeating: 7, count: 148)
        initiation[0] = 1
        var other = initiation
        other[100] ^= 1
        let a = CapturedFrame.datagram(from: from, to: to, payload: initiation).identity
        XCTAssertNotEqual(a, CapturedFrame.datagram(from: from, to: to, payload: other).identity)
        XCTAssertEqual(a, CapturedFrame.packet(PacketBuilder.udp(from: from, to: to, payload: initiation)).identity)
        let notUDP: [UInt8] = [0x45, 0, 0, 20, 0, 0, 0, 0, 64, 1, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2]
        XCTAssertEqual(CapturedFrame.packet(notUDP).identity, [0] + notUDP)
    }

    /// A witness of an interface nobody writes takes datagrams by their parts and never seals a
    /// message whose seal was left; one that wraps a sink passes the question and the datagram on.
    func testWitnessSinksTakeDatagramsByTheirParts() {
        let witness = CaptureWitnessSinkTests.Witness()
        let unwritten = frameWitnessingSink(node: "c1", interface: .eth0, base: DiscardingCaptureSink.shared, numbered: false,
                                            witness: witness)
        XCTAssertFalse(unwritten.wantsDatagramBytes)
        let seal = message(counter: 4)
        unwritten.captureDatagram(time: 1, from: from, to: to, sealing: seal)
        XCTAssertEqual(witness.seen.map(\.packet), [seal.unsealed], "told the unsealed parts; nothing sealed")
        let kept = MemoryCaptureSink()
        let written = frameWitnessingSink(node: "hub", interface: .eth0, base: kept, numbered: true, witness: witness)
        XCTAssertTrue(written.wantsDatagramBytes, "a memory sink wants the bytes, so its wrapper does")
        written.captureDatagram(time: 2, from: from, to: to, sealing: seal)
        XCTAssertEqual(kept.packets.map(\.bytes), [PacketBuilder.udp(from: from, to: to, payload: seal.sealedCopy())],
                       "the wrapped sink gets the sealed datagram")
        XCTAssertEqual(witness.seen.last?.frame, 1)
        XCTAssertEqual(witness.identities[0], witness.identities[1], "one message, one identity")
    }

    /// The stand-in for witnesses not made yet answers as they will, so a client's first datagram
    /// is sent like the others (`SimNode.eth0WantsDatagramBytes`).
    func testTheStandInForUnmadeWitnessesTakesDatagramsByTheirParts() throws {
        let recorder = RunRecorder()
        let factory = recorder.captureSinkFactory({ _ in DiscardingCaptureSink() }, captured: { _ in false })
        let standIn = try factory("c9-eth0")
        XCTAssertTrue(standIn is DeferredCaptureSink)
        XCTAssertFalse(standIn.wantsDatagramBytes)
    }
}
