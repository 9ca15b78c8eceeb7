import Foundation
import Packet
import Pcap
import Routing
import XCTest
@testable import WireGuard

/// A capture made by our own handshake and transport code — IPv6 outer, non-standard ports, a
/// cookie reply, PSK — decoded by `CaptureDecoder`, and (when tshark is installed) by Wireshark
/// with the key log we emit: the bytes we produce must be what Wireshark decrypts.
final class DecodeSyntheticTests: XCTestCase {
    struct Capture {
        var packets: [[UInt8]] = []
        var keyLog: [KeyLogEntry] = []
    }

    let initiatorEndpoint = Endpoint(address: .v6(try! IPv6Address(parsing: "2001:db8::1")), port: 40000)
    let responderEndpoint = Endpoint(address: .v6(try! IPv6Address(parsing: "2001:db8::2")), port: 12345)

    func makeCapture() throws -> Capture {
        var random = SeededRandom(seed: 42, label: "synthetic capture")
        let initiator = StaticIdentity(privateKey: PrivateKey.generate(using: &random))
        let responder = StaticIdentity(privateKey: PrivateKey.generate(using: &random))
        let psk = try PresharedKey(bytes: random.bytes(32))
        let ephemeral = PrivateKey.generate(using: &random)
        var capture = Capture()
        capture.keyLog = [.localStatic(initiator.privateKey), .remoteStatic(responder.publicKey),
                          .localEphemeral(ephemeral), .preshared(psk)]
        func send(_ payload: [UInt8], fromInitiator: Bool) {
            let (from, to) = fromInitiator ? (initiatorEndpoint, responderEndpoint) : (responderEndpoint, initiatorEndpoint)
            capture.packets.append(PacketBuilder.udp(from: from, to: to, payload: payload))
        }
        // Under load: the first initiation gets a cookie reply; the retry (new index, new
        // ephemeral, MAC2 set) is answered (kernel cookie.c; Wireshark links the cookie reply to
        // the first initiation, the response to the second).
        var generator = CookieGenerator(remoteStatic: responder.publicKey)
        var checker = CookieChecker(localStatic: responder.publicKey)
        var (first, _) = try Noise.createInitiation(
            local: initiator, remote: responder.publicKey, presharedKey: psk, senderIndex: 0x1111_2222,
            ephemeral: ephemeral, timestamp: TAI64N(unixNanoseconds: 1_700_000_000_000_000_000))
        generator.addMacs(to: &first, now: 0)
        send(first, fromInitiator: true)
        let cookieReply = checker.makeReply(to: first, source: initiatorEndpoint, now: 0, random: &random)
        send(cookieReply, fromInitiator: false)
        try generator.consume(cookieReply, now: 1)
        let retryEphemeral = PrivateKey.generate(using: &random)
        capture.keyLog += [.localEphemeral(retryEphemeral), .preshared(psk)]
        var (initiation, state) = try Noise.createInitiation(
            local: initiator, remote: responder.publicKey, presharedKey: psk, senderIndex: 0x5555_6666,
            ephemeral: retryEphemeral, timestamp: TAI64N(unixNanoseconds: 1_700_000_005_000_000_000))
        generator.addMacs(to: &initiation, now: 5_000_000_000)
        send(initiation, fromInitiator: true)
        let consumed = try Noise.consumeInitiation(initiation, local: responder)
        let (response, responderKeys) = try Noise.createResponse(
            to: consumed, local: responder, presharedKey: psk, senderIndex: 0x3333_4444,
            ephemeral: PrivateKey.generate(using: &random))
        send(response, fromInitiator: false)
        let keys = try Noise.consumeResponse(response, state: state, local: initiator, presharedKey: psk)
        let ping = try PacketBuilder.echoRequest(from: IPAddress(parsing: "10.0.0.1"), to: IPAddress(parsing: "10.0.0.2"),
                                                 identifier: 1, sequence: 1, payloadSize: 56)
        var message = [UInt8]()
        try Transport.seal(packet: ping, mtu: 1420, key: keys.sending, receiverIndex: keys.remoteIndex, counter: 0, into: &message)
        send(message, fromInitiator: true)
        let reply = try PacketBuilder.echoReply(to: ping)
        try Transport.seal(packet: reply, mtu: 1420, key: responderKeys.sending, receiverIndex: responderKeys.remoteIndex,
                       counter: 0, into: &message)
        send(message, fromInitiator: false)
        try Transport.seal(packet: [], mtu: 1420, key: keys.sending, receiverIndex: keys.remoteIndex, counter: 1, into: &message)
        send(message, fromInitiator: true)
        send([4, 0, 0, 0] + [UInt8](repeating: 0, count: 10), fromInitiator: true)  // too short: not WireGuard
        return capture
    }

    func testOurOwnCaptureDecodesCompletely() throws {
        let capture = try makeCapture()
        let decoder = CaptureDecoder(keyLog: KeyLog(entries: capture.keyLog))
        let messages = capture.packets.enumerated().compactMap { decoder.decode(frame: $0.offset + 1, ipPacket: $0.element) }
        XCTAssertEqual(messages.map(\.type), [.initiation, .cookieReply, .initiation, .response, .transport, .transport, .transport])
        XCTAssertEqual(messages.map(\.valid), [true, false, true, true, true, true, true])
        XCTAssertEqual(messages[4].inner, DecodedInnerPacket(source: try IPAddress(parsing: "10.0.0.1"),
                                                             destination: try IPAddress(parsing: "10.0.0.2"),
                                                             protocolNumber: 1, length: 84))
        XCTAssertEqual(messages[5].inner?.source, try IPAddress(parsing: "10.0.0.2"))
        XCTAssertTrue(messages[6].keepalive)
        XCTAssertEqual(messages[0].source, initiatorEndpoint)
    }

    // Wireshark decrypts what we produce, from the key log we emit.
    func testTsharkDecryptsOurCaptureWithOurKeyLog() throws {
        guard let tshark = DecodeTsharkTests.tsharkPath else { return XCTFail("tshark is not installed: scripts/setup.sh installs it (a failure, not a skip)") }
        let capture = try makeCapture()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("wgsim-decode-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let pcapPath = directory.appendingPathComponent("ours.pcap").path
        let keysPath = directory.appendingPathComponent("ours.keys").path
        let writer = try PcapWriter(path: pcapPath, linkType: .raw)
        for (i, packet) in capture.packets.enumerated() { try writer.write(packet, timestamp: Int64(i) * 1_000_000) }
        try writer.flush()
        try KeyLog.emit(capture.keyLog).write(toFile: keysPath, atomically: true, encoding: .utf8)
        let frames = try DecodeTsharkTests.tshark(tshark, capture: pcapPath, keys: keysPath, decodeAsPort: 12345)
        XCTAssertEqual(frames.map(\.type), [1, 3, 1, 2, 4, 4, 4])
        XCTAssertEqual(frames.map(\.valid), [true, false, true, true, true, true, true])
        XCTAssertEqual(frames[4].inner, "10.0.0.1>10.0.0.2 1 84")
        XCTAssertEqual(frames[5].inner, "10.0.0.2>10.0.0.1 1 84")
    }
}

extension DecodeSyntheticTests {
    // Bad input never crashes: random payloads shaped like every message type, from addresses
    // that collide with earlier sessions, through a decoder holding real keys.
    func testRandomWireGuardShapedPayloadsNeverCrash() throws {
        let capture = try makeCapture()
        let decoder = CaptureDecoder(keyLog: KeyLog(entries: capture.keyLog))
        for (i, packet) in capture.packets.enumerated() { _ = decoder.decode(frame: i + 1, ipPacket: packet) }
        var random = SeededRandom(seed: 77, label: "decoder fuzz")
        let sizes = [148, 92, 64, 32, 33, 200]
        for frame in 100..<2100 {
            let type = UInt8(1 + random.next() % 4)
            var payload = random.bytes(sizes[Int(random.next() % UInt64(sizes.count))])
            payload[0] = type
            payload[1] = 0; payload[2] = 0; payload[3] = 0
            if random.next() % 2 == 0, let known = capture.packets.randomElement(using: &random),
               let original = CaptureDecoder.udpPayload(known)?.2, original.count >= 12 {
                payload.replaceSubrange(4..<12, with: original[4..<12])  // reuse real indices
            }
            let (from, to) = random.next() % 2 == 0 ? (initiatorEndpoint, responderEndpoint) : (responderEndpoint, initiatorEndpoint)
            let decoded = decoder.decode(frame: frame, source: from, destination: to, payload: payload)
            XCTAssertEqual(decoded != nil, CaptureDecoder.shape(payload) != nil, "reported exactly when shaped right")
            XCTAssertEqual(decoded?.type, CaptureDecoder.shape(payload))
        }
        var truncated = capture.packets[0]
        truncated.removeLast(30)
        XCTAssertNil(decoder.decode(frame: 1, ipPacket: truncated))
        XCTAssertNil(decoder.decode(frame: 1, ipPacket: []))
    }
}
