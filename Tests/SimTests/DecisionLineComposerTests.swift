import Foundation
import Packet
import Routing
@testable import Sim
@testable import WireGuard
import XCTest

/// The composer formats each shared piece once and escapes or indents it per line: the lines it
/// writes must say exactly what the record's own `why` says, JSON-escaped (RFC 8259) in
/// decisions.jsonl and with a note's newlines indented in decisions.txt (docs/decision-log.md).
final class DecisionLineComposerTests: XCTestCase {
    typealias N = SimTestNetwork

    private func key(_ byte: UInt8) throws -> PublicKey { try PublicKey(bytes: [UInt8](repeating: byte, count: 32)) }

    private func record(_ decision: Decision, names: PeerNames) -> DecisionRecord {
        var decision = decision
        decision.subject.context = names.testContext(file: "t\"x.pcap", frame: 7)
        return DecisionRecord(t: 1_002_000_500, node: names.testPosition(ofNode: "hub"), device: decision, names: names)
    }

    /// The explanations, written by hand: the record's own `why` (a String) and both log lines
    /// (the composer's buffer) must say them word for word, JSON-escaped (RFC 8259) in
    /// decisions.jsonl and with a name's newlines indented in decisions.txt
    /// (docs/decision-log.md). `p` and `o` are the two peers' names as each form writes them.
    func testExplanationsAreTheWordsInEveryForm() throws {
        let names = PeerNames()
        let peer = try key(1), other = try key(2)
        names.register(peer, as: "pe\"er\\one\nsecond line\u{1}")
        names.register(other, as: "other\npeer")
        let plain = (p: "pe\"er\\one\nsecond line\u{1}", o: "other\npeer")
        let json = (p: #"pe\"er\\one\nsecond line\u0001"#, o: #"other\npeer"#)
        let text = (p: "pe\"er\\one\n    second line\u{1}", o: "other\n    peer")
        let packet = PacketBuilder.udp(from: Endpoint(address: N.address("10.0.0.2"), port: 5000),
                                       to: Endpoint(address: N.address("10.1.2.3"), port: 53), payload: [1, 2, 3])
        let packet6 = PacketBuilder.udp(from: Endpoint(address: N.address("fd00::2"), port: 5000),
                                        to: Endpoint(address: N.address("fd00::3"), port: 53), payload: [1, 2, 3])
        let endpoint = Endpoint(address: N.address("192.0.2.7"), port: 51820)
        let candidates = [(prefix: N.prefix("10.0.0.0/8"), peer: other)]
        let cases: [(Decision, (_ p: String, _ o: String) -> String)] = [
            (Decision(.encrypted, .tx, peer: peer, prefix: N.prefix("10.1.2.0/24"), candidates: candidates, counter: 12,
                      receiverIndex: 99, endpoint: endpoint, packet: packet, reason: .sealed),
             { "10.1.2.3 matched 10.1.2.0/24 (\($0)); also matched 10.0.0.0/8 (\($1)) — most specific wins; sealed with counter 12 for 192.0.2.7:51820" }),
            (Decision(.encrypted, .tx, peer: peer, prefix: nil, counter: nil, endpoint: nil, packet: packet, reason: .sealed),
             { p, _ in "10.1.2.3 routed to \(p); sealed with counter - for no endpoint" }),
            (Decision(.decrypted, .rx, peer: peer, counter: 3, receiverIndex: 4_294_967_295, endpoint: endpoint, packet: packet,
                      reason: .decrypted(confirmsSession: false)),
             { p, _ in "opened under index 4294967295 with counter 3 from \(p)" }),
            (Decision(.decrypted, .rx, peer: nil, packet: packet, reason: .decrypted(confirmsSession: true)),
             { _, _ in "opened under index - with counter - from unknown peer" }),
            (Decision(.delivered, .rx, peer: peer, prefix: N.prefix("10.0.0.2/32"), candidates: candidates, packet: packet,
                      reason: .delivered),
             { "source 10.0.0.2 matched 10.0.0.2/32 (\($0)); also matched 10.0.0.0/8 (\($1)) — most specific wins; source allowed for \($0): delivered" }),
            // Too short for a header: no address, the label alone.
            (Decision(.delivered, .rx, peer: peer, packet: [0x45, 1, 2], reason: .delivered),
             { p, _ in "source routed to \(p); source allowed for \(p): delivered" }),
            // Total length beyond the bytes: no summary, but the device still reads the address.
            (Decision(.encrypted, .tx, peer: peer, prefix: N.prefix("10.1.2.0/24"), counter: 1,
                      packet: [0x45, 0, 0xff, 0xff] + packet.dropFirst(4), reason: .sealed),
             { p, _ in "10.1.2.3 matched 10.1.2.0/24 (\(p)); sealed with counter 1 for no endpoint" }),
            (Decision(.encrypted, .tx, peer: peer, prefix: N.prefix("fd00::/64"), counter: 1, endpoint: endpoint,
                      packet: packet6, reason: .sealed),
             { p, _ in "fd00::3 matched fd00::/64 (\(p)); sealed with counter 1 for 192.0.2.7:51820" }),
            (Decision(.delivered, .rx, peer: peer, prefix: N.prefix("fd00::2/128"), packet: packet6, reason: .delivered),
             { p, _ in "source fd00::2 matched fd00::2/128 (\(p)); source allowed for \(p): delivered" }),
            // Rarer explanations take the same path.
            (Decision(.queued, .tx, peer: peer, prefix: N.prefix("10.1.2.0/24"), packet: packet, reason: .staged(.noKeypair)),
             { p, _ in "10.1.2.3 matched 10.1.2.0/24 (\(p)); no session with \(p) yet: staged awaiting a handshake" }),
            (Decision(.keepaliveSent, .tx, peer: peer, counter: 5, reason: .keepalive(.persistent(seconds: 25))),
             { p, _ in "keepalive to \(p) (counter 5): no packet either way for 25 s (persistent keepalive)" }),
            (Decision(.droppedSrcNotAllowed, .rx, peer: peer, prefix: N.prefix("10.0.0.0/8"), packet: packet,
                      reason: .sourceNotAllowed(source: N.address("10.0.0.2"), owner: other)),
             { "inner source 10.0.0.2 looks up to 10.0.0.0/8 of \($1), not to sender \($0): dropped (rx_errors += 1)" }),
        ]
        for (decision, words) in cases {
            let record = record(decision, names: names)
            XCTAssertEqual(record.why, words(plain.p, plain.o))
            XCTAssertTrue(record.jsonLine.hasSuffix(",\"why\":\"\(words(json.p, json.o))\"}"), record.jsonLine)
            // decisions.txt words an index as tshark prints it; the record's why and JSON keep the integer.
            let textWords = words(text.p, text.o).replacingOccurrences(of: "index 4294967295", with: "index 0xffffffff")
            XCTAssertTrue(record.textLine.hasSuffix(": " + textWords), record.textLine)
        }
    }

    /// decisions.txt prints receiver indices as tshark prints `wg.receiver_index` (and as the
    /// decoder's `hex32`): `0x` and eight lowercase hex digits, in the field and in the words;
    /// decisions.jsonl keeps the integer in both.
    func testIndicesInTheTextLineReadAsTsharkPrintsThem() throws {
        for value: UInt32 in [0, 1, 0xAB, 0x39eb_4266, 0x8000_0000, .max] {
            let out = ByteBuffer()
            DecisionLineComposer.appendIndexAsTshark(value, to: out)
            XCTAssertEqual(String(decoding: out.bytes, as: UTF8.self), hex32(value))
        }
        let names = PeerNames()
        let peer = try key(1)
        names.register(peer, as: "p1")
        let endpoint = Endpoint(address: N.address("192.0.2.7"), port: 51820)
        let unknown = record(Decision(.droppedInvalid, .rx, counter: 4, receiverIndex: 0xAB, endpoint: endpoint,
                                      reason: .invalid(.unknownIndex(0xAB))), names: names)
        XCTAssertTrue(unknown.textLine.contains(" receiver-index 0x000000ab endpoint 192.0.2.7:51820 "), unknown.textLine)
        XCTAssertTrue(unknown.textLine.hasSuffix(": no session has receiver index 0x000000ab"), unknown.textLine)
        XCTAssertTrue(unknown.jsonLine.contains(#""receiver-index":171,"#), unknown.jsonLine)
        XCTAssertTrue(unknown.jsonLine.hasSuffix(#""why":"no session has receiver index 171"}"#), unknown.jsonLine)
        XCTAssertEqual(unknown.why, "no session has receiver index 171")
        let response = record(Decision(.droppedInvalid, .rx, receiverIndex: 0x5eed, endpoint: endpoint,
                                       reason: .invalid(.noPendingHandshake(0x5eed))), names: names)
        XCTAssertTrue(response.textLine.hasSuffix(": response for index 0x00005eed matches no initiation we sent"),
                      response.textLine)
        XCTAssertTrue(response.jsonLine.hasSuffix(#""why":"response for index 24301 matches no initiation we sent"}"#),
                      response.jsonLine)
        // An explanation without the index is written once and is the same in both lines.
        let sealed = record(Decision(.keepaliveSent, .tx, peer: peer, counter: 5, receiverIndex: 7,
                                     reason: .keepalive(.persistent(seconds: 25))), names: names)
        XCTAssertTrue(sealed.textLine.contains(" receiver-index 0x00000007"), sealed.textLine)
        XCTAssertTrue(sealed.textLine.hasSuffix(": " + sealed.why), sealed.textLine)
    }

    func testEveryFieldInItsPlaceInBothLines() throws {
        let names = PeerNames()
        let peer = try key(1), other = try key(2)
        names.register(peer, as: "p1")
        let packet = PacketBuilder.udp(from: Endpoint(address: N.address("10.0.0.2"), port: 5000),
                                       to: Endpoint(address: N.address("10.1.2.3"), port: 53), payload: [1, 2, 3])
        let decision = Decision(.encrypted, .tx, peer: peer, prefix: N.prefix("10.1.2.0/24"),
                                candidates: [(prefix: N.prefix("10.0.0.0/8"), peer: other)], counter: 12, receiverIndex: 99,
                                endpoint: Endpoint(address: N.address("2001:db8::7"), port: 51820), packet: packet, reason: .sealed)
        let record = record(decision, names: names)
        let otherName = other.base64
        XCTAssertEqual(record.jsonLine, #"{"t":1002000500,"node":"hub","iface":"wg0","dir":"tx","src":"10.0.0.2","dst":"10.1.2.3","#
                       + #""proto":"udp","len":31,"action":"encrypted","peer":"p1","prefix":"10.1.2.0/24","#
                       + #""candidates":[{"prefix":"10.0.0.0/8","peer":"\#(otherName)"}],"counter":12,"receiver-index":99,"#
                       + #""endpoint":"[2001:db8::7]:51820","trace":{"file":"t\"x.pcap","frame":7},"#
                       + #""why":"10.1.2.3 matched 10.1.2.0/24 (p1); also matched 10.0.0.0/8 (\#(otherName)) — most specific wins; "#
                       + #"sealed with counter 12 for [2001:db8::7]:51820"}"#)
        XCTAssertEqual(record.textLine, "1.002000500 hub wg0 tx encrypted udp 10.0.0.2 > 10.1.2.3 len 31 peer p1 prefix 10.1.2.0/24 "
                       + "(also 10.0.0.0/8 \(otherName)) counter 12 receiver-index 0x00000063 endpoint [2001:db8::7]:51820 "
                       + "[t\"x.pcap #7]: 10.1.2.3 matched 10.1.2.0/24 (p1); also matched 10.0.0.0/8 (\(otherName)) — most "
                       + "specific wins; sealed with counter 12 for [2001:db8::7]:51820")
    }

    /// One composer writes many decisions: the remembered time must follow each record's own.
    func testAComposerReusedAcrossRecordsWritesEachRecordsTime() throws {
        let composer = DecisionLineComposer()
        let json = ByteBuffer(), text = ByteBuffer()
        for t: Int64 in [5, 5, -1_500_000_000, 1_000_000_000, 1_000_000_000, 0] {
            let names = PeerNames()
            let record = DecisionRecord(t: t, node: names.testPosition(ofNode: "n"), iface: .eth0, dir: nil, action: .note,
                                        decider: .note(""), names: names)
            composer.append(record, json: json, text: text)
            json.append(0x0A); text.append(0x0A)
        }
        XCTAssertEqual(String(decoding: text.bytes, as: UTF8.self),
                       "0.000000005 n eth0 note\n0.000000005 n eth0 note\n-1.500000000 n eth0 note\n1.000000000 n eth0 note\n"
                       + "1.000000000 n eth0 note\n0.000000000 n eth0 note\n")
        XCTAssertEqual(String(decoding: json.bytes, as: UTF8.self).split(separator: "\n").map { $0.split(separator: ",")[0] },
                       [#"{"t":5"#, #"{"t":5"#, #"{"t":-1500000000"#, #"{"t":1000000000"#, #"{"t":1000000000"#, #"{"t":0"#])
    }

    /// A composer reuses the previous record's packet pieces only for the very same packet
    /// array: a changed copy of it, a packet too short for a header and another packet are read
    /// afresh, and each line names its own packet.
    func testPacketPiecesAreReusedOnlyForTheSamePacket() {
        let first = PacketBuilder.udp(from: Endpoint(address: N.address("10.0.0.2"), port: 1),
                                      to: Endpoint(address: N.address("10.0.0.3"), port: 2), payload: [1, 2])
        var changed = first
        changed[19] = 9   // destination 10.0.0.9
        let other = PacketBuilder.udp(from: Endpoint(address: N.address("10.0.0.4"), port: 1),
                                      to: Endpoint(address: N.address("10.0.0.5"), port: 2), payload: [3, 4])
        let composer = DecisionLineComposer()
        let fields = { (source: String, destination: String) in
            #""src":"\#(source)","dst":"\#(destination)","proto":"udp","len":30"#
        }
        let expected = [fields("10.0.0.2", "10.0.0.3"), fields("10.0.0.2", "10.0.0.3"), fields("10.0.0.2", "10.0.0.9"),
                        fields("10.0.0.4", "10.0.0.5"), #""len":1"#, fields("10.0.0.4", "10.0.0.5")]
        for (packet, fields) in zip([first, first, changed, other, [0x45], other], expected) {
            let names = PeerNames()
            let record = DecisionRecord(t: 1, node: names.testPosition(ofNode: "n"), iface: .wg0, dir: .tx, action: .note,
                                        decider: .note("w"), subject: DecisionSubject(packet: packet), names: names)
            let json = ByteBuffer(), text = ByteBuffer()
            composer.append(record, json: json, text: text)
            XCTAssertEqual(String(decoding: json.bytes, as: UTF8.self),
                           #"{"t":1,"node":"n","iface":"wg0","dir":"tx","# + fields + #","action":"note","why":"w"}"#)
        }
    }

    /// The eight-bytes-at-a-time check agrees with a byte-by-byte one at every length and position.
    func testEscapeCheckAgreesWithTheByteByByteRule() {
        var random = SeededRandom(seed: 7, label: "escape-check")
        let interesting: [UInt8] = [0x00, 0x09, 0x0A, 0x1F, 0x20, 0x21, 0x22, 0x23, 0x5B, 0x5C, 0x5D, 0x7F, 0x80, 0xC3, 0xFF]
        for _ in 0..<3000 {
            let count = Int(random.next() % 40)
            var bytes = (0..<count).map { _ in UInt8(0x41 + random.next() % 26) }
            if count > 0 && random.next() % 2 == 0 {
                bytes[Int(random.next() % UInt64(count))] = interesting[Int(random.next() % UInt64(interesting.count))]
            }
            let expected = bytes.contains { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C }
            bytes.withUnsafeBufferPointer { buffer in
                guard let start = buffer.baseAddress else { return }
                XCTAssertEqual(ByteText.needsJSONEscape(start, count: buffer.count), expected, "\(bytes)")
            }
        }
    }

    /// The log's direct IPv4 read gives what `IPPacketSummary(parsing:)` gives, and nothing when
    /// it throws (short header, total length below 20 or beyond the bytes, bad version).
    func testLoggedFieldsMatchThePacketSummary() {
        var random = SeededRandom(seed: 11, label: "logged-fields")
        let udp = PacketBuilder.udp(from: Endpoint(address: N.address("10.0.0.2"), port: 1),
                                    to: Endpoint(address: N.address("10.0.0.3"), port: 2), payload: [9, 9])
        let udp6 = PacketBuilder.udp(from: Endpoint(address: N.address("fd00::2"), port: 1),
                                     to: Endpoint(address: N.address("fd00::3"), port: 2), payload: [9, 9])
        for _ in 0..<3000 {
            var bytes = random.next() % 2 == 0 ? udp : udp6
            for _ in 0..<Int(random.next() % 3) {
                bytes[Int(random.next() % 12)] = UInt8(truncatingIfNeeded: random.next())
            }
            bytes = Array(bytes.prefix(Int(random.next() % UInt64(bytes.count + 1))))
            let summary = try? IPPacketSummary(parsing: bytes)
            let fields = DecisionLineComposer.loggedFields(bytes, header: IPHeaderView(bytes))
            XCTAssertEqual(fields?.source, summary?.source, "\(bytes)")
            XCTAssertEqual(fields?.destination, summary?.destination)
            XCTAssertEqual(fields?.protocolNumber, summary?.protocolNumber)
            XCTAssertEqual(fields?.totalLength, summary?.totalLength)
        }
    }

    /// The decision log (ByteText) and the command-line outputs (`jsonString`) quote strings
    /// with the one set of escapes, `JSONEscape`: every control character, quote and backslash,
    /// and multi-byte characters left as they are.
    func testTheLogAndTheCommandLineQuoteStringsAlike() {
        let text = String(decoding: (0..<0x80).map { UInt8($0) }, as: UTF8.self) + "é→🙂"
        let buffer = ByteBuffer(capacity: 16)
        ByteText.appendJSONString(text, to: buffer)
        let logged = buffer.withUnsafeBytes { String(decoding: $0, as: UTF8.self) }
        XCTAssertEqual(logged, jsonString(text))
        XCTAssertTrue(logged.hasPrefix(#""\u0000\u0001"#), logged)
        XCTAssertTrue(logged.contains(#"\u0008\t\n\u000b\u000c\r"#), logged)
        XCTAssertTrue(logged.contains(##" !\"#$"##) && logged.contains(#"[\\]"#) && logged.hasSuffix("é→🙂\""), logged)
        let decoded = try? JSONSerialization.jsonObject(with: Data(logged.utf8), options: [.fragmentsAllowed]) as? String
        XCTAssertEqual(decoded, text)
    }
}

extension PeerNames {
    /// A test record's node position: `name`'s, added to the node names if new.
    func testPosition(ofNode name: String) -> Int32 {
        if let found = nodeNames.firstIndex(of: name) { return Int32(found) }
        use(nodeNames: nodeNames + [name])
        return Int32(nodeNames.count - 1)
    }

    /// The context of frame `frame` of trace file `file` (registered on first use).
    func testContext(file: String, frame: Int) -> PacketContext {
        PacketContext(origin: traceOrigin(of: file), number: frame)
    }
}
