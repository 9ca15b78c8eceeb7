import XCTest
import Routing
@testable import WireGuard

/// MAC1, MAC2 and cookie replies [wireguard-behaviour.md §4.5, §7.5 cookie extension].
final class CookieTests: XCTestCase {
    let initiator = StaticIdentity(privateKey: NoiseTests.Vector.initiatorStatic)
    let responder = StaticIdentity(privateKey: NoiseTests.Vector.responderStatic)
    let source = Endpoint(address: .v4(IPv4Address(192, 0, 2, 1)), port: 51820)
    let secret = [UInt8](repeating: 0x66, count: 32)
    var initiation: [UInt8] { bytes(hex: NoiseTests.Vector.initiation) }

    func testSourceIsEncodedKernelStyle() {
        XCTAssertEqual(hex(CookieChecker.sourceBytes(source)), "c0000201ca6c")
    }

    // §7.5 cookie extension: cookie, cookie key, the whole reply with nonce 77×24, and MAC2.
    func testCookieExtensionVector() {
        var checker = CookieChecker(localStatic: responder.publicKey, secret: secret, bornAt: 0)
        var random = SeededRandom(seed: 1, label: "unused")
        XCTAssertEqual(hex(checker.makeCookie(for: source, now: 1, random: &random)), "0da54ebfa83089e16a06e54293a58209")
        XCTAssertEqual(hex(Mac1.cookieKey(for: responder.publicKey)),
                       "f38243a909cf26b7ec109798fd3dfdbdb7592367db444819154f6582389fdc1b")
        let reply = checker.makeReply(to: initiation, source: source, now: 1,
                                      nonce: [UInt8](repeating: 0x77, count: 24), random: &random)
        XCTAssertEqual(hex(reply), "0300000004030201" + String(repeating: "77", count: 24)
                       + "2cd93e962dd62def62b6bdc519db3e41e8ebe2979ac983d86bc0811a96954c57")

        var generator = CookieGenerator(remoteStatic: responder.publicKey)
        var message = initiation
        generator.addMacs(to: &message, now: 0)
        XCTAssertEqual(message, initiation, "no cookie yet: mac1 as in the vector, mac2 zero")
        XCTAssertNoThrow(try generator.consume(reply, now: 10))
        generator.addMacs(to: &message, now: 20)
        XCTAssertEqual(hex(Array(message[132..<148])), "a7900d3920a1063dcdcc969a1bf33848")
        XCTAssertTrue(checker.validMac1(message))
        XCTAssertTrue(checker.validMac2(message, source: source, now: 20, random: &random))
    }

    // MAC1 is keyed with the receiver's static key: the response's with the initiator's (§7.5).
    func testResponseMac1IsKeyedWithInitiatorStatic() {
        XCTAssertEqual(hex(Mac1.key(for: initiator.publicKey)),
                       "2f8377a0268a9731b6008d714f7cb7f4d3894c759cec65269f872f64619794f5")
        let response = bytes(hex: NoiseTests.Vector.response)
        var initiatorChecker = CookieChecker(localStatic: initiator.publicKey)
        var responderChecker = CookieChecker(localStatic: responder.publicKey)
        XCTAssertTrue(initiatorChecker.validMac1(response))
        XCTAssertFalse(responderChecker.validMac1(response))
    }

    // Under load: an initiation without MAC2 gets a cookie reply; the retry carries a MAC2 that
    // the responder accepts, and the handshake completes (kernel cookie.c + receive.c).
    func testUnderLoadCookieRoundTrip() throws {
        var random = SeededRandom(seed: 7, label: "responder cookies")
        var checker = CookieChecker(localStatic: responder.publicKey)
        var generator = CookieGenerator(remoteStatic: responder.publicKey)
        let (first, _) = try Noise.createInitiation(local: initiator, remote: responder.publicKey, presharedKey: .zero,
                                                    senderIndex: 1, ephemeral: NoiseTests.Vector.initiatorEphemeral,
                                                    timestamp: TAI64N(unixNanoseconds: 1_000_000_000))
        var sent = first
        generator.addMacs(to: &sent, now: 0)
        XCTAssertTrue(checker.validMac1(sent))
        XCTAssertFalse(checker.validMac2(sent, source: source, now: 0, random: &random))
        let reply = checker.makeReply(to: sent, source: source, now: 0, random: &random)
        XCTAssertEqual(try CookieReply(parsing: reply).receiverIndex, 1)
        try generator.consume(reply, now: 1_000_000)

        let (retry, state) = try Noise.createInitiation(local: initiator, remote: responder.publicKey, presharedKey: .zero,
                                                        senderIndex: 2, ephemeral: NoiseTests.Vector.responderEphemeral,
                                                        timestamp: TAI64N(unixNanoseconds: 2_000_000_000))
        var resent = retry
        generator.addMacs(to: &resent, now: 5_000_000_000)
        XCTAssertTrue(checker.validMac2(resent, source: source, now: 5_000_000_000, random: &random))
        let other = Endpoint(address: .v4(IPv4Address(192, 0, 2, 2)), port: 51820)
        XCTAssertFalse(checker.validMac2(resent, source: other, now: 5_000_000_000, random: &random),
                       "a cookie is bound to the source address and port")
        let consumed = try Noise.consumeInitiation(resent, local: responder)
        let (response, _) = try Noise.createResponse(to: consumed, local: responder, presharedKey: .zero, senderIndex: 3,
                                                     ephemeral: NoiseTests.Vector.initiatorEphemeral)
        XCTAssertNoThrow(try Noise.consumeResponse(response, state: state, local: initiator, presharedKey: .zero))
    }

    // One reply per sent MAC1: a second copy of the reply is refused (kernel `have_sent_mac1`).
    func testCookieReplyIsAcceptedOncePerSentMac1() throws {
        var random = SeededRandom(seed: 8, label: "cookies")
        var checker = CookieChecker(localStatic: responder.publicKey)
        var generator = CookieGenerator(remoteStatic: responder.publicKey)
        var message = initiation
        XCTAssertThrowsError(try generator.consume(checker.makeReply(to: message, source: source, now: 0, random: &random),
                                                   now: 0)) { XCTAssertEqual($0 as? CookieError, .noMac1Sent) }
        generator.addMacs(to: &message, now: 0)
        let reply = checker.makeReply(to: message, source: source, now: 0, random: &random)
        try generator.consume(reply, now: 0)
        XCTAssertThrowsError(try generator.consume(reply, now: 0)) { XCTAssertEqual($0 as? CookieError, .noMac1Sent) }
    }

    // The reply is authenticated with the MAC1 we sent as associated data.
    func testCookieReplyForAnotherMac1IsRejected() throws {
        var random = SeededRandom(seed: 9, label: "cookies")
        var checker = CookieChecker(localStatic: responder.publicKey)
        var generator = CookieGenerator(remoteStatic: responder.publicKey)
        var message = initiation
        generator.addMacs(to: &message, now: 0)
        var other = message
        other[4] ^= 1
        Mac1.write(into: &other, key: Mac1.key(for: responder.publicKey))
        let reply = checker.makeReply(to: other, source: source, now: 0, random: &random)
        XCTAssertThrowsError(try generator.consume(reply, now: 0)) { XCTAssertEqual($0 as? CookieError, .decryptionFailed) }
        XCTAssertThrowsError(try generator.consume([3, 0, 0, 0], now: 0)) { XCTAssertTrue($0 is CookieError) }
    }

    // A cookie is used for COOKIE_SECRET_MAX_AGE − COOKIE_SECRET_LATENCY = 115 s, then MAC2 is zero.
    func testCookieIsUsedFor115Seconds() throws {
        var random = SeededRandom(seed: 10, label: "cookies")
        var checker = CookieChecker(localStatic: responder.publicKey)
        var generator = CookieGenerator(remoteStatic: responder.publicKey)
        var message = initiation
        generator.addMacs(to: &message, now: 0)
        try generator.consume(checker.makeReply(to: message, source: source, now: 0, random: &random), now: 0)
        let zero = [UInt8](repeating: 0, count: 16)
        generator.addMacs(to: &message, now: 115_000_000_000 - 1)
        XCTAssertNotEqual(Array(message[132..<148]), zero)
        generator.addMacs(to: &message, now: 115_000_000_000)
        XCTAssertEqual(Array(message[132..<148]), zero)
    }

    // The responder's secret is replaced once 120 s old, invalidating older cookies.
    func testSecretRotatesAfter120Seconds() throws {
        var random = SeededRandom(seed: 11, label: "cookies")
        var checker = CookieChecker(localStatic: responder.publicKey)
        let first = checker.makeCookie(for: source, now: 0, random: &random)
        XCTAssertEqual(checker.makeCookie(for: source, now: 119_999_999_999, random: &random), first)
        XCTAssertNotEqual(checker.makeCookie(for: source, now: 120_000_000_000, random: &random), first)
        XCTAssertEqual(checker.secretBornAt, 120_000_000_000)
    }
}
