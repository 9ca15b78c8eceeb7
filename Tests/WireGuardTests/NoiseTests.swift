import XCTest
@testable import WireGuard

/// The fixed-key handshake of wireguard-behaviour.md §7.5, reproduced byte for byte, plus round
/// trips with and without a preshared key and the failure cases of §4.3.
final class NoiseTests: XCTestCase {
    struct Vector {
        static let initiatorStatic = try! PrivateKey(bytes: Array(repeating: 0x11, count: 32))
        static let responderStatic = try! PrivateKey(bytes: Array(repeating: 0x22, count: 32))
        static let initiatorEphemeral = try! PrivateKey(bytes: Array(repeating: 0x33, count: 32))
        static let responderEphemeral = try! PrivateKey(bytes: Array(repeating: 0x44, count: 32))
        static let psk = try! PresharedKey(bytes: Array(repeating: 0x55, count: 32))
        static let initiatorIndex: UInt32 = 0x0102_0304
        static let responderIndex: UInt32 = 0x0A0B_0C0D
        static let timestamp = TAI64N(unixNanoseconds: 1_700_000_000 * 1_000_000_000 + 42, whiten: false)
        static let initiation = "01000000040302017b0d47d93427f8311160781c7c733fd89f88970aef490d8aa0ee19a4cb8a1b14"
            + "81e498317da959fba46669572516a5e6c021bfa620bb6c56ca0082e1feae14988c2c64d024c617734a263f76a008df04"
            + "d0f94bad8ee75ec8e1c2697fa182811f564c843ddb4513a21d8d5af4b07fa685e5343b0427212030e0de1e61"
            + "00000000000000000000000000000000"
        static let response = "020000000d0c0b0a04030201ff2ee45601ec1b67310c7790404585ae697331eee1c1f8cf2419731c1fff3e6b"
            + "cb8edaa29bd1262cc9d09bbd6f6473b05258104e4c52f2783addcc73afd9df5b00000000000000000000000000000000"
        static let initiatorSending = "a007faf842d83f5bd3be20a14e0ffcec34c84867b78b051980602713205922de"
        static let initiatorReceiving = "d982d5cd10d34a7802b6c19fa441cd9164d70e4f4d62007ab416879ee8bd1b99"
    }

    let initiator = StaticIdentity(privateKey: Vector.initiatorStatic)
    let responder = StaticIdentity(privateKey: Vector.responderStatic)

    func makeInitiation() throws -> (message: [UInt8], state: InitiatorHandshake) {
        try Noise.createInitiation(local: initiator, remote: responder.publicKey, presharedKey: Vector.psk,
                                   senderIndex: Vector.initiatorIndex, ephemeral: Vector.initiatorEphemeral,
                                   timestamp: Vector.timestamp)
    }

    func testVectorStaticAndEphemeralPublicKeys() {
        XCTAssertEqual(hex(initiator.publicKey.bytes), "7b4e909bbe7ffe44c465a220037d608ee35897d31ef972f07f74892cb0f73f13")
        XCTAssertEqual(hex(responder.publicKey.bytes), "0faa684ed28867b97f4a6a2dee5df8ce974e76b7018e3f22a1c4cf2678570f20")
        XCTAssertEqual(hex(Vector.timestamp.bytes), "400000006553f10a0000002a")
    }

    // §4.3 initiator steps 1–7 and the §7.5 intermediate values.
    func testInitiationMatchesKnownAnswerByteForByte() throws {
        let (message, state) = try makeInitiation()
        XCTAssertEqual(hex(message), Vector.initiation)
        XCTAssertEqual(hex(state.chainingKey), "24eca314409f2ca9ccbf8d50ebb72b7235d67ed11b21eeefc67942a2596df51e")
        XCTAssertEqual(hex(state.hash), "c9b7bd6d2d91f2a0c02b39c63575895d369b9dbb918586d1757845b43ff84b1f")
        XCTAssertEqual(hex(Mac1.key(for: responder.publicKey)),
                       "2b14c2a1d73fe52519772891d6df632bd2408279e87eb80c61bc395fccadf4a6")
        XCTAssertEqual(state.localIndex, Vector.initiatorIndex)
    }

    func testIntermediateValuesOfTheInitiation() throws {
        var s = SymmetricState(responderStatic: responder.publicKey)
        XCTAssertEqual(hex(s.hash), "1f02fc782351f5d58de3af43c3b142c4268bf3ae8051d9469eb922a666d4745c")
        s.mixEphemeral(Vector.initiatorEphemeral.publicKey.bytes)
        XCTAssertEqual(hex(s.chainingKey), "01c55808bf91efc4a10fdcde0976b8f9d48bc519545ef9c3752f28e35fe66a0a")
        XCTAssertEqual(hex(s.hash), "78c39ebb1ff92afd4ce9aac9a0595053e641dbb7f5032a122b3458a29474f1e6")
        let k = s.mixKey(try Noise.dh(Vector.initiatorEphemeral, responder.publicKey))
        XCTAssertEqual(hex(s.chainingKey), "b8782bd761f1d0078fb179bf33a29db3906525564566c5c9426ec930c872f7a1")
        XCTAssertEqual(hex(k), "1295d5fce6e4fd28e89cacb34e3fc1b5f94a5e7424439e3ab3b659d2f57ec290")
        _ = try s.encryptAndHash(key: k, initiator.publicKey.bytes)
        XCTAssertEqual(hex(s.hash), "68c07e6b42b8c15626df2e2745a1d8a64367fd2b019b13d605f8addfafdb94c6")
    }

    // §4.3 responder side: consuming yields the initiator's static key, index and timestamp.
    func testResponderConsumesTheVectorInitiation() throws {
        let consumed = try Noise.consumeInitiation(bytes(hex: Vector.initiation), local: responder)
        XCTAssertEqual(consumed.initiatorStatic, initiator.publicKey)
        XCTAssertEqual(consumed.initiatorIndex, Vector.initiatorIndex)
        XCTAssertEqual(consumed.timestamp, Vector.timestamp)
        XCTAssertEqual(hex(consumed.hash), "c9b7bd6d2d91f2a0c02b39c63575895d369b9dbb918586d1757845b43ff84b1f")
    }

    func testResponseAndTransportKeysMatchKnownAnswer() throws {
        let consumed = try Noise.consumeInitiation(bytes(hex: Vector.initiation), local: responder)
        let (response, responderKeys) = try Noise.createResponse(
            to: consumed, local: responder, presharedKey: Vector.psk, senderIndex: Vector.responderIndex,
            ephemeral: Vector.responderEphemeral)
        XCTAssertEqual(hex(response), Vector.response)
        XCTAssertEqual(hex(responderKeys.receiving), Vector.initiatorSending)
        XCTAssertEqual(hex(responderKeys.sending), Vector.initiatorReceiving)
        XCTAssertEqual(responderKeys.localIndex, Vector.responderIndex)
        XCTAssertEqual(responderKeys.remoteIndex, Vector.initiatorIndex)
        XCTAssertFalse(responderKeys.isInitiator)

        let (_, state) = try makeInitiation()
        let initiatorKeys = try Noise.consumeResponse(response, state: state, local: initiator, presharedKey: Vector.psk)
        XCTAssertEqual(hex(initiatorKeys.sending), Vector.initiatorSending)
        XCTAssertEqual(hex(initiatorKeys.receiving), Vector.initiatorReceiving)
        XCTAssertEqual(initiatorKeys.localIndex, Vector.initiatorIndex)
        XCTAssertEqual(initiatorKeys.remoteIndex, Vector.responderIndex)
        XCTAssertTrue(initiatorKeys.isInitiator)
    }

    // Q = 32 zero bytes when no PSK is configured (§4.3); both sides agree.
    func testRoundTripWithoutPresharedKey() throws {
        let (message, state) = try Noise.createInitiation(
            local: initiator, remote: responder.publicKey, presharedKey: .zero, senderIndex: 7,
            ephemeral: Vector.initiatorEphemeral, timestamp: TAI64N(unixNanoseconds: 5))
        let consumed = try Noise.consumeInitiation(message, local: responder)
        let (response, rKeys) = try Noise.createResponse(to: consumed, local: responder, presharedKey: .zero,
                                                         senderIndex: 9, ephemeral: Vector.responderEphemeral)
        let iKeys = try Noise.consumeResponse(response, state: state, local: initiator, presharedKey: .zero)
        XCTAssertEqual(iKeys.sending, rKeys.receiving)
        XCTAssertEqual(iKeys.receiving, rKeys.sending)
        XCTAssertNotEqual(iKeys.sending, iKeys.receiving)
    }

    // A PSK mismatch surfaces at the response's encrypted-empty field, not earlier (§4.3 step 4–5).
    func testPresharedKeyMismatchFailsTheResponse() throws {
        let (_, state) = try makeInitiation()
        XCTAssertThrowsError(try Noise.consumeResponse(bytes(hex: Vector.response), state: state, local: initiator,
                                                       presharedKey: .zero)) {
            XCTAssertEqual($0 as? HandshakeError, .responseAuthenticationFailed)
        }
    }

    // An initiation for another responder fails MAC1 first (kernel: cookie validation precedes consume).
    func testInitiationForAnotherResponderFailsMac1() throws {
        let other = StaticIdentity(privateKey: try PrivateKey(bytes: Array(repeating: 0x77, count: 32)))
        XCTAssertThrowsError(try Noise.consumeInitiation(bytes(hex: Vector.initiation), local: other)) {
            XCTAssertEqual($0 as? HandshakeError, .invalidMac1)
        }
    }

    // With a valid MAC1 but altered ciphertext, the static key does not decrypt.
    func testAlteredStaticFailsDecryption() throws {
        var message = bytes(hex: Vector.initiation)
        message[50] ^= 1
        Mac1.write(into: &message, key: Mac1.key(for: responder.publicKey))
        XCTAssertThrowsError(try Noise.consumeInitiation(message, local: responder)) {
            XCTAssertEqual($0 as? HandshakeError, .staticDecryptionFailed)
        }
    }

    func testAlteredTimestampFailsDecryption() throws {
        var message = bytes(hex: Vector.initiation)
        message[100] ^= 1
        Mac1.write(into: &message, key: Mac1.key(for: responder.publicKey))
        XCTAssertThrowsError(try Noise.consumeInitiation(message, local: responder)) {
            XCTAssertEqual($0 as? HandshakeError, .timestampDecryptionFailed)
        }
    }

    // A response is matched to the initiation by its receiver index (§4.7).
    func testResponseForAnotherIndexIsRejected() throws {
        let (_, state) = try Noise.createInitiation(local: initiator, remote: responder.publicKey,
                                                    presharedKey: Vector.psk, senderIndex: 99,
                                                    ephemeral: Vector.initiatorEphemeral, timestamp: Vector.timestamp)
        XCTAssertThrowsError(try Noise.consumeResponse(bytes(hex: Vector.response), state: state, local: initiator,
                                                       presharedKey: Vector.psk)) {
            XCTAssertEqual($0 as? HandshakeError, .receiverIndexMismatch(expected: 99, actual: Vector.initiatorIndex))
        }
    }

    func testMalformedMessagesAreTypedErrors() {
        XCTAssertThrowsError(try Noise.consumeInitiation([1, 0, 0, 0], local: responder)) {
            XCTAssertEqual($0 as? HandshakeError,
                           .malformed(.wrongLength(type: .initiation, expected: 148, actual: 4)))
        }
        XCTAssertThrowsError(try Noise.consumeInitiation(bytes(hex: Vector.response), local: responder)) {
            XCTAssertEqual($0 as? HandshakeError, .malformed(.wrongType(expected: .initiation, actual: .response)))
        }
    }

    // An ephemeral key equal to a low-order point gives a zero DH and aborts (kernel `mix_dh`).
    func testLowOrderEphemeralAborts() throws {
        var message = bytes(hex: Vector.initiation)
        for i in 8..<40 { message[i] = 0 }
        Mac1.write(into: &message, key: Mac1.key(for: responder.publicKey))
        XCTAssertThrowsError(try Noise.consumeInitiation(message, local: responder)) {
            XCTAssertEqual($0 as? HandshakeError, .zeroSharedSecret)
        }
    }
}

extension NoiseTests {
    // Kernel `wg_noise_precompute_static_static`: the per-peer static DH gives the same bytes.
    func testPrecomputedStaticSharedGivesTheSameMessages() throws {
        let ssInitiator = try Noise.staticShared(local: initiator, remote: responder.publicKey)
        XCTAssertEqual(ssInitiator, try Noise.staticShared(local: responder, remote: initiator.publicKey))
        let (message, _) = try Noise.createInitiation(
            local: initiator, remote: responder.publicKey, presharedKey: Vector.psk, senderIndex: Vector.initiatorIndex,
            ephemeral: Vector.initiatorEphemeral, timestamp: Vector.timestamp, staticShared: ssInitiator)
        XCTAssertEqual(hex(message), Vector.initiation)
        let consumed = try Noise.consumeInitiation(message, local: responder) { $0 == self.initiator.publicKey ? ssInitiator : nil }
        XCTAssertEqual(consumed.initiatorStatic, initiator.publicKey)
        let zeroPeer = try PublicKey(bytes: [UInt8](repeating: 0, count: 32))
        XCTAssertThrowsError(try Noise.staticShared(local: initiator, remote: zeroPeer)) {
            XCTAssertEqual($0 as? HandshakeError, .zeroSharedSecret)
        }
    }
}

extension NoiseTests {
    // Lost and reordered handshake messages (§4.3, §4.4, §4.6): a retry restarts from C0/H0 with a
    // new ephemeral and index; a late copy of the first initiation still decrypts but carries an
    // older timestamp (the device's replay check drops it); a response to the superseded
    // initiation is refused by index; transport messages open in any order.
    func testLostAndReorderedHandshakeMessages() throws {
        let (first, _) = try Noise.createInitiation(local: initiator, remote: responder.publicKey, presharedKey: .zero,
                                                    senderIndex: 1, ephemeral: Vector.initiatorEphemeral,
                                                    timestamp: TAI64N(unixNanoseconds: 1_000_000_000_000))
        let (retry, state) = try Noise.createInitiation(local: initiator, remote: responder.publicKey, presharedKey: .zero,
                                                        senderIndex: 2, ephemeral: Vector.responderEphemeral,
                                                        timestamp: TAI64N(unixNanoseconds: 1_005_000_000_000))
        let consumedRetry = try Noise.consumeInitiation(retry, local: responder)
        let (response, rKeys) = try Noise.createResponse(to: consumedRetry, local: responder, presharedKey: .zero,
                                                         senderIndex: 3, ephemeral: Vector.initiatorEphemeral)
        let iKeys = try Noise.consumeResponse(response, state: state, local: initiator, presharedKey: .zero)

        let lateFirst = try Noise.consumeInitiation(first, local: responder)
        XCTAssertLessThan(lateFirst.timestamp, consumedRetry.timestamp, "the replay check sees an older timestamp")
        let (staleResponse, _) = try Noise.createResponse(to: lateFirst, local: responder, presharedKey: .zero,
                                                          senderIndex: 4, ephemeral: Vector.responderEphemeral)
        XCTAssertThrowsError(try Noise.consumeResponse(staleResponse, state: state, local: initiator, presharedKey: .zero)) {
            XCTAssertEqual($0 as? HandshakeError, .receiverIndexMismatch(expected: 2, actual: 1))
        }

        var sealed: [[UInt8]] = []
        for counter in 0..<3 as Range<UInt64> {
            var out = [UInt8]()
            try Transport.seal(packet: [UInt8(counter)], mtu: 1420, key: iKeys.sending, receiverIndex: iKeys.remoteIndex,
                           counter: counter, into: &out)
            sealed.append(out)
        }
        var plain = [UInt8]()
        for i in [2, 0, 1] {
            XCTAssertEqual(try Transport.open(sealed[i], key: rKeys.receiving, into: &plain).counter, UInt64(i))
            XCTAssertEqual(plain.first, UInt8(i))
        }
    }
}
