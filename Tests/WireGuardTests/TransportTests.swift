import XCTest
@testable import WireGuard

/// Transport data framing, padding and sealing [wireguard-behaviour.md §2 step 7, §3.1, §7.5].
final class TransportTests: XCTestCase {
    let sendKey = bytes(hex: NoiseTests.Vector.initiatorSending)
    let receiveKey = bytes(hex: NoiseTests.Vector.initiatorReceiving)

    // §7.5: first message initiator → responder, counter 0, "ping-from-initiator!" padded to 32.
    func testFirstTransportMessageMatchesKnownAnswer() throws {
        let packet = Array("ping-from-initiator!".utf8)
        var plaintext = packet
        plaintext.append(contentsOf: repeatElement(0, count: Transport.paddedLength(packet.count, mtu: 1420) - packet.count))
        var out = [UInt8]()
        try Transport.seal(plaintext: plaintext, key: sendKey, receiverIndex: NoiseTests.Vector.responderIndex, counter: 0,
                       into: &out)
        XCTAssertEqual(hex(out), "040000000d0c0b0a00000000000000007c3924f9324b9da2d0706f221e65422c6b218482c97a8d49"
                       + "d501917cb576355356a7e2473ca4dd2ea312f843419f5597")
        var opened = [UInt8]()
        let header = try Transport.open(out, key: sendKey, into: &opened)
        XCTAssertEqual(header.receiverIndex, NoiseTests.Vector.responderIndex)
        XCTAssertEqual(header.counter, 0)
        XCTAssertEqual(opened, plaintext)
    }

    // §7.5: keepalive responder → initiator is 32 bytes: header + tag over an empty plaintext.
    func testKeepaliveMatchesKnownAnswer() throws {
        var out = [UInt8]()
        try Transport.seal(plaintext: [], key: receiveKey, receiverIndex: NoiseTests.Vector.initiatorIndex, counter: 0,
                       into: &out)
        XCTAssertEqual(hex(out), "040000000403020100000000000000004546b4bebf67c6c95055c71188ff8c4e")
        var opened: [UInt8] = [9, 9, 9]
        try Transport.open(out, key: receiveKey, into: &opened)
        XCTAssertEqual(opened, [])
    }

    func testSealInPlaceEqualsSeal() throws {
        let plaintext = sequence(from: 5, count: 48)
        var viaCopy = [UInt8]()
        try Transport.seal(plaintext: plaintext, key: sendKey, receiverIndex: 77, counter: 12345, into: &viaCopy)
        var inPlace = [UInt8](repeating: 0xee, count: 16) + plaintext
        try Transport.sealInPlace(&inPlace, plaintextLength: plaintext.count, key: sendKey, receiverIndex: 77, counter: 12345)
        XCTAssertEqual(inPlace, viaCopy)
    }

    // Reusing a big enough buffer does not reallocate (no allocation per packet).
    func testSealReusesTheCallersBuffer() throws {
        var out = [UInt8]()
        out.reserveCapacity(2048)
        let address = out.withUnsafeBufferPointer { $0.baseAddress }
        for counter in 0..<4 as Range<UInt64> {
            try Transport.seal(plaintext: sequence(from: 0, count: 64 * Int(counter + 1)), key: sendKey, receiverIndex: 1,
                           counter: counter, into: &out)
            XCTAssertEqual(out.withUnsafeBufferPointer { $0.baseAddress }, address)
        }
    }

    // Opening decrypts straight into a new array when given an empty one, and resizes a given
    // buffer otherwise (shrinking, or growing it with zeros that decryption then overwrites):
    // every way gives the same plaintext, and a failed open into an empty array leaves zeros.
    func testOpenIntoEmptyShortAndLongBuffersGivesTheSamePlaintext() throws {
        let plaintext = sequence(from: 3, count: 80)
        var message = [UInt8]()
        try Transport.seal(plaintext: plaintext, key: sendKey, receiverIndex: 5, counter: 9, into: &message)
        for start in [[UInt8](), [7, 7, 7], [UInt8](repeating: 0xcc, count: 200)] {
            var out = start
            try Transport.open(message, key: sendKey, into: &out)
            XCTAssertEqual(out, plaintext, "starting from \(start.count) bytes")
        }
        var failed = [UInt8]()
        XCTAssertThrowsError(try Transport.open(message, key: receiveKey, into: &failed))
        XCTAssertEqual(failed, [UInt8](repeating: 0, count: plaintext.count))
    }

    // §3.1 step 3: a wrong key or a flipped bit fails authentication (dropped silently by the device).
    func testTamperedOrWrongKeyFailsToOpen() throws {
        var out = [UInt8]()
        try Transport.seal(plaintext: [1, 2, 3, 4], key: sendKey, receiverIndex: 1, counter: 3, into: &out)
        var plain = [UInt8]()
        XCTAssertThrowsError(try Transport.open(out, key: receiveKey, into: &plain)) {
            XCTAssertEqual($0 as? TransportError, .authenticationFailed)
        }
        var tampered = out
        tampered[9] ^= 1  // the counter is the nonce: changing it breaks the tag
        XCTAssertThrowsError(try Transport.open(tampered, key: sendKey, into: &plain))
    }

    // §3.1 step 1: type 4 needs at least 32 bytes and zero reserved bytes.
    func testShortOrReservedMessagesAreMalformed() {
        var plain = [UInt8]()
        XCTAssertThrowsError(try Transport.open([4, 0, 0, 0] + [UInt8](repeating: 0, count: 27), key: sendKey, into: &plain)) {
            XCTAssertEqual($0 as? TransportError, .malformed(.wrongLength(type: .transport, expected: 32, actual: 31)))
        }
        XCTAssertThrowsError(try Transport.open([4, 1, 0, 0] + [UInt8](repeating: 0, count: 28), key: sendKey, into: &plain)) {
            XCTAssertEqual($0 as? TransportError, .malformed(.reservedBytesNotZero(type: .transport)))
        }
    }

    // The table of §2 step 7 (kernel `calculate_skb_padding`), including the route-MTU selftest row.
    func testPaddingTableFromKernel() {
        let rows: [(length: Int, mtu: Int, padded: Int)] = [
            (0, 1420, 0), (1, 1420, 16), (20, 1420, 32), (84, 1420, 96), (1419, 1420, 1420),
            (1420, 1420, 1420), (1297, 1299, 1299),
        ]
        for row in rows {
            XCTAssertEqual(Transport.paddedLength(row.length, mtu: row.mtu), row.padded, "L=\(row.length) M=\(row.mtu)")
            XCTAssertEqual(Transport.messageLength(plaintextLength: row.padded), row.padded + 32)
        }
    }

    // MTU 0 pads to a multiple of 16; a packet above the MTU pads its last MTU-sized unit.
    func testPaddingWithoutMtuAndAboveMtu() {
        XCTAssertEqual(Transport.paddedLength(17, mtu: 0), 32)
        XCTAssertEqual(Transport.paddedLength(0, mtu: 0), 0)
        XCTAssertEqual(Transport.paddedLength(1425, mtu: 1420), 1425 + 11)  // last unit 5 → 16
        XCTAssertEqual(Transport.paddedLength(2840, mtu: 1420), 2840)       // last unit 0
    }
}

extension TransportTests {
    // seal(packet:mtu:) pads by the §2 step 7 rule and equals sealing the padded plaintext.
    func testSealPacketPadsAndEqualsSealOfPaddedPlaintext() throws {
        for (length, mtu) in [(0, 1420), (20, 1420), (1419, 1420), (1297, 1299), (33, 0)] {
            let packet = sequence(from: 1, count: length)
            var expected = [UInt8]()
            let padded = packet + [UInt8](repeating: 0, count: Transport.paddedLength(length, mtu: mtu) - length)
            try Transport.seal(plaintext: padded, key: sendKey, receiverIndex: 5, counter: 6, into: &expected)
            var out = [UInt8](repeating: 0xff, count: 3000)
            try Transport.seal(packet: packet, mtu: mtu, key: sendKey, receiverIndex: 5, counter: 6, into: &out)
            XCTAssertEqual(out, expected, "L=\(length) M=\(mtu)")
        }
    }

    /// A key of the wrong size, or a buffer too short for sealing in place, is a typed error.
    func testSealingWithAWrongSizedKeyOrShortBufferThrows() {
        var out = [UInt8]()
        XCTAssertThrowsError(try Transport.seal(plaintext: [1], key: [UInt8](repeating: 7, count: 31),
                                                receiverIndex: 1, counter: 0, into: &out)) {
            XCTAssertEqual($0 as? TransportError, .keyLength(31))
        }
        var short = [UInt8](repeating: 0, count: 20)
        XCTAssertThrowsError(try Transport.sealInPlace(&short, plaintextLength: 16, key: [UInt8](repeating: 7, count: 32),
                                                       receiverIndex: 1, counter: 0)) {
            XCTAssertEqual($0 as? TransportError, .bufferTooShort(needed: 32, have: 20))
        }
    }

    /// A keypair's inline key seals and opens exactly as the same bytes in an array do; a key
    /// that was not 32 bytes stays refused.
    func testInlineTransportKeyActsAsItsBytes() throws {
        let bytes = (0..<32).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 5) }
        let inline = InlineKey(bytes)
        XCTAssertEqual(inline.bytes, bytes)
        let plaintext = [UInt8](repeating: 0x45, count: 48)
        var withArray = [UInt8](repeating: 0, count: 16) + plaintext
        var withInline = withArray
        try Transport.sealInPlace(&withArray, plaintextLength: plaintext.count, key: bytes, receiverIndex: 9, counter: 3)
        try Transport.sealInPlace(&withInline, plaintextLength: plaintext.count, key: inline, receiverIndex: 9, counter: 3)
        XCTAssertEqual(withInline, withArray)
        var opened: [UInt8] = []
        try Transport.open(withInline, key: inline, into: &opened)
        XCTAssertEqual(opened, plaintext)
        let short = InlineKey(Array(bytes.prefix(31)))
        XCTAssertEqual(short.keyByteCount, 31)
        XCTAssertThrowsError(try Transport.sealInPlace(&withArray, plaintextLength: 16, key: short, receiverIndex: 1, counter: 0))
        var nothing: [UInt8] = []
        XCTAssertThrowsError(try Transport.open(withInline, key: short, into: &nothing))
    }
}
