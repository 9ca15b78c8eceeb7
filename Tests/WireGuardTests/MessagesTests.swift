import XCTest
@testable import WireGuard

/// Message formats of wireguard-behaviour.md §4.2 and the size/type rules of §3.1 step 1.
final class MessagesTests: XCTestCase {
    func testInitiationParsesAndEmitsTheVector() throws {
        let wire = bytes(hex: NoiseTests.Vector.initiation)
        let message = try HandshakeInitiation(parsing: wire)
        XCTAssertEqual(message.senderIndex, 0x0102_0304)
        XCTAssertEqual(hex(message.ephemeral), "7b0d47d93427f8311160781c7c733fd89f88970aef490d8aa0ee19a4cb8a1b14")
        XCTAssertEqual(hex(message.mac1), "b07fa685e5343b0427212030e0de1e61")
        XCTAssertEqual(message.mac2, [UInt8](repeating: 0, count: 16))
        XCTAssertEqual(message.bytes, wire)
    }

    func testResponseParsesAndEmitsTheVector() throws {
        let wire = bytes(hex: NoiseTests.Vector.response)
        let message = try HandshakeResponse(parsing: wire)
        XCTAssertEqual(message.senderIndex, 0x0A0B_0C0D)
        XCTAssertEqual(message.receiverIndex, 0x0102_0304)
        XCTAssertEqual(hex(message.encryptedNothing), "cb8edaa29bd1262cc9d09bbd6f6473b0")
        XCTAssertEqual(message.bytes, wire)
    }

    func testCookieReplyAndTransportHeaderRoundTrip() throws {
        let reply = CookieReply(receiverIndex: 0xdead_beef, nonce: sequence(from: 1, count: 24),
                                encryptedCookie: sequence(from: 100, count: 32))
        XCTAssertEqual(reply.bytes.count, 64)
        XCTAssertEqual(try CookieReply(parsing: reply.bytes), reply)
        let header = TransportHeader(receiverIndex: 0x0a0b_0c0d, counter: 0x0102_0304_0506_0708)
        XCTAssertEqual(hex(header.bytes), "040000000d0c0b0a0807060504030201")
        XCTAssertEqual(try TransportHeader(parsing: header.bytes + [UInt8](repeating: 0, count: 16)), header)
    }

    // Kernel `validate_header_len`: exact sizes 148/92/64, transport ≥ 32, others dropped.
    func testClassifyFollowsKernelSizeRules() throws {
        XCTAssertEqual(try MessageType.classify([1, 0, 0, 0] + [UInt8](repeating: 0, count: 144)), .initiation)
        XCTAssertEqual(try MessageType.classify([2, 0, 0, 0] + [UInt8](repeating: 0, count: 88)), .response)
        XCTAssertEqual(try MessageType.classify([3, 0, 0, 0] + [UInt8](repeating: 0, count: 60)), .cookieReply)
        XCTAssertEqual(try MessageType.classify([4, 0, 0, 0] + [UInt8](repeating: 0, count: 28)), .transport)
        XCTAssertEqual(try MessageType.classify([4, 0, 0, 0] + [UInt8](repeating: 0, count: 1000)), .transport)
        XCTAssertThrowsError(try MessageType.classify([1, 0, 0, 0] + [UInt8](repeating: 0, count: 145))) {
            XCTAssertEqual($0 as? MessageError, .wrongLength(type: .initiation, expected: 148, actual: 149))
        }
        XCTAssertThrowsError(try MessageType.classify([5, 0, 0, 0])) {
            XCTAssertEqual($0 as? MessageError, .unknownType(5))
        }
        XCTAssertThrowsError(try MessageType.classify([2, 0, 1, 0] + [UInt8](repeating: 0, count: 88))) {
            XCTAssertEqual($0 as? MessageError, .reservedBytesNotZero(type: .response))
        }
        XCTAssertThrowsError(try MessageType.classify([4, 0])) {
            XCTAssertEqual($0 as? MessageError, .tooShortForHeader(2))
        }
    }

    func testErrorsSayWhatIsWrong() {
        XCTAssertEqual(MessageError.wrongLength(type: .response, expected: 92, actual: 91).description,
                       "response message must be exactly 92 bytes, got 91")
        XCTAssertEqual(MessageError.wrongLength(type: .transport, expected: 32, actual: 20).description,
                       "transport message must be at least 32 bytes, got 20")
    }

    // Random bytes never crash a parser: every outcome is a value or a typed error.
    func testArbitraryBytesNeverCrash() {
        var random = SeededRandom(seed: 4, label: "messages fuzz")
        for _ in 0..<2000 {
            let length = Int(random.next() % 160)
            var b = random.bytes(length)
            if length > 0 { b[0] = UInt8(random.next() % 6) }
            _ = try? HandshakeInitiation(parsing: b)
            _ = try? HandshakeResponse(parsing: b)
            _ = try? CookieReply(parsing: b)
            _ = try? TransportHeader(parsing: b)
            _ = try? MessageType.classify(b)
        }
    }
}
