import Routing
import XCTest
@testable import WireGuard

/// `wgsim decode` once walked every session filed under an index for each response, cookie reply
/// and transport message: 40 000 initiations sharing one sender index took 52 s. The lookups now
/// come from (index, endpoint) indexes; these tests bound the work by counting the sessions the
/// lookups look at, and check the answers against a direct model of Wireshark's list walk.
final class BombDecodeTests: XCTestCase {
    let a = Endpoint(address: .v4(IPv4Address(192, 0, 2, 1)), port: 51820)
    let b = Endpoint(address: .v4(IPv4Address(192, 0, 2, 2)), port: 51820)
    let stranger = Endpoint(address: .v4(IPv4Address(198, 51, 100, 7)), port: 9)

    /// 40 000 initiations from A with one sender index; 40 000 responses, half to an endpoint
    /// with no initiation and half answering A; then transport data both ways and to nobody.
    /// The old walk looked at about a billion sessions here; the indexes look at a few per message.
    func testFortyThousandInitiationsSharingOneSenderIndexTakeLinearWork() {
        let count = 40_000
        let shared: UInt32 = 0x1234_5678
        let decoder = CaptureDecoder(keyLog: KeyLog())
        var frame = 0
        func decode(_ payload: [UInt8], from: Endpoint, to: Endpoint) -> DecodedMessage? {
            frame += 1
            return decoder.decode(frame: frame, source: from, destination: to, payload: payload)
        }
        for _ in 0..<count { _ = decode(BombPayload.initiation(sender: shared), from: a, to: b) }
        for n in 0..<count / 2 {
            let unmatched = decode(BombPayload.response(sender: UInt32(n), receiver: shared), from: b, to: stranger)
            XCTAssertEqual(unmatched.map { BombPayload.linkedFrame($0) }, .some(nil))
        }
        var lastLinked = 0
        for n in 0..<count / 2 {
            let linked = decode(BombPayload.response(sender: 0x9000_0000 + UInt32(n), receiver: shared), from: b, to: a)
            // Wireshark links a response to the newest unanswered initiation: here last in, first out.
            lastLinked = linked.flatMap { BombPayload.linkedFrame($0) } ?? -1
            XCTAssertEqual(lastLinked, count - n, "response \(n)")
            if lastLinked != count - n { break }
        }
        for n in 0..<count {
            let toInitiator = decode(BombPayload.transport(receiver: shared, counter: UInt64(n)), from: b, to: a)
            XCTAssertEqual(toInitiator.flatMap { BombPayload.linkedFrame($0) }, count, "the newest answered session of A")
            let toNobody = decode(BombPayload.transport(receiver: shared, counter: UInt64(n)), from: b, to: stranger)
            XCTAssertEqual(toNobody.map { BombPayload.linkedFrame($0) }, .some(nil))
            if n > 10, decoder.sessionCandidatesExamined > 10 * frame { break }
        }
        XCTAssertLessThanOrEqual(decoder.sessionCandidatesExamined, 4 * frame,
                                 "sessions looked at must stay within a few per message (\(frame) messages)")
    }

    /// Random traffic over three indices and four endpoints (collisions, answered and
    /// unanswered initiations, cookie replies, endpoints that move) decoded by `CaptureDecoder`
    /// and by a literal transcription of the dissector's list walk: every message must link to
    /// the same initiation frame, or to none in both.
    func testLinksAreTheSameAsWiresharksListWalk() {
        let endpoints = [a, b, stranger, Endpoint(address: .v6(IPv6Address(high: 0x2001_0db8_0000_0000, low: 1)), port: 4242)]
        for seed in 1...20 as ClosedRange<UInt64> {
            var random = SeededRandom(seed: seed, label: "decode lookups")
            let decoder = CaptureDecoder(keyLog: KeyLog())
            var model = WiresharkListModel()
            for frame in 1...600 {
                let from = endpoints[Int(random.next() % 4)], to = endpoints[Int(random.next() % 4)]
                let index = UInt32(random.next() % 3), other = UInt32(random.next() % 3)
                let payload: [UInt8]
                let expected: Int?
                switch random.next() % 8 {
                case 0, 1:
                    payload = BombPayload.initiation(sender: index)
                    expected = model.initiation(frame: frame, from: from, sender: index)
                case 2, 3:
                    payload = BombPayload.response(sender: other, receiver: index)
                    expected = model.response(frame: frame, from: from, to: to, sender: other, receiver: index)
                case 4:
                    payload = BombPayload.cookieReply(receiver: index)
                    expected = model.cookieReply(frame: frame, from: from, to: to, receiver: index)
                default:
                    payload = BombPayload.transport(receiver: index, counter: UInt64(frame))
                    expected = model.transport(from: from, to: to, receiver: index)
                }
                let message = decoder.decode(frame: frame, source: from, destination: to, payload: payload)
                XCTAssertNotNil(message)
                XCTAssertEqual(message.flatMap { BombPayload.linkedFrame($0) }, expected, "seed \(seed) frame \(frame): \(message?.textLine ?? "")")
                if message.flatMap({ BombPayload.linkedFrame($0) }) != expected { return }
            }
        }
    }
}

/// WireGuard-shaped payloads with the fields the lookups read, everything else zero (no key log
/// validates them, so the decoder only links them).
enum BombPayload {
    static func initiation(sender: UInt32) -> [UInt8] { message(type: 1, length: 148, at: [(4, sender)]) }
    static func response(sender: UInt32, receiver: UInt32) -> [UInt8] { message(type: 2, length: 92, at: [(4, sender), (8, receiver)]) }
    static func cookieReply(receiver: UInt32) -> [UInt8] { message(type: 3, length: 64, at: [(4, receiver)]) }
    static func transport(receiver: UInt32, counter: UInt64) -> [UInt8] {
        message(type: 4, length: 32, at: [(4, receiver), (8, UInt32(truncatingIfNeeded: counter)), (12, UInt32(counter >> 32))])
    }

    private static func message(type: UInt8, length: Int, at fields: [(Int, UInt32)]) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: length)
        bytes[0] = type
        for (offset, value) in fields {
            for i in 0..<4 { bytes[offset + i] = UInt8(truncatingIfNeeded: value >> (8 * i)) }
        }
        return bytes
    }

    /// The initiation frame a decoded message was linked to, read from its note (nil: none).
    static func linkedFrame(_ message: DecodedMessage) -> Int? {
        guard message.type != .initiation, let note = message.note, let range = note.range(of: "of frame ") else { return nil }
        return Int(note[range.upperBound...].prefix { $0.isNumber })
    }
}

/// The dissector's session bookkeeping transcribed as directly as possible: per index a list
/// in insertion order, walked from the newest (packet-wireguard.c `wg_sessions_insert`,
/// `wg_sessions_lookup_initiation`, `wg_sessions_lookup`, `wg_session_update_address`).
/// Returns the initiation frame each message links to.
struct WiresharkListModel {
    final class Session {
        let initiatorFrame: Int
        var responseFrame: Int?
        var initiator: Endpoint
        var responder: Endpoint?
        init(initiatorFrame: Int, initiator: Endpoint) {
            self.initiatorFrame = initiatorFrame
            self.initiator = initiator
        }
    }

    var lists: [UInt32: [Session]] = [:]

    mutating func initiation(frame: Int, from: Endpoint, sender: UInt32) -> Int? {
        lists[sender, default: []].append(Session(initiatorFrame: frame, initiator: from))
        return nil
    }

    mutating func response(frame: Int, from: Endpoint, to: Endpoint, sender: UInt32, receiver: UInt32) -> Int? {
        guard let session = lookupInitiation(receiver, to: to) else { return nil }
        session.responseFrame = frame
        session.responder = from
        lists[sender, default: []].append(session)
        return session.initiatorFrame
    }

    mutating func cookieReply(frame: Int, from: Endpoint, to: Endpoint, receiver: UInt32) -> Int? {
        guard let session = lookupInitiation(receiver, to: to) else { return nil }
        session.responseFrame = frame
        session.responder = from
        return session.initiatorFrame
    }

    mutating func transport(from: Endpoint, to: Endpoint, receiver: UInt32) -> Int? {
        for session in (lists[receiver] ?? []).reversed() where session.responseFrame != nil {
            if session.initiator == to {
                session.responder = from
            } else if session.responder == to {
                session.initiator = from
            } else {
                continue
            }
            return session.initiatorFrame
        }
        return nil
    }

    private func lookupInitiation(_ receiver: UInt32, to: Endpoint) -> Session? {
        (lists[receiver] ?? []).reversed().first { $0.initiator == to && $0.responseFrame == nil }
    }
}
