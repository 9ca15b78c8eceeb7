import Packet
import Routing
@testable import Sim
@testable import WireGuard
import XCTest

/// The decision log's caches and copies (session 10) write exactly the bytes the plain
/// formatters write: the field-text cache against `ByteText`, the short-number path against
/// Swift's own decimal text, the cursor's and the buffer's copies byte for byte, and a composer
/// reused across a mixed run of records against a fresh composer for each.
final class LogTextCachesTests: XCTestCase {
    typealias N = SimTestNetwork

    private func text(_ buffer: ByteBuffer) -> String { String(decoding: buffer.bytes, as: UTF8.self) }

    /// Every kind of value, 6,000 of each (more than the cache's slots, so values evict each
    /// other and come back), written twice: each time the same bytes as `ByteText`'s, and IPv6
    /// values (not cached) too.
    func testFieldTextCacheWritesWhatByteTextWrites() throws {
        let cache = FieldTextCache()
        var random = SeededRandom(seed: 7, label: "field text cache")
        var addresses: [IPAddress] = [.v4(IPv4Address(0)), .v4(IPv4Address(0xFFFF_FFFF)), N.address("fd00::1"), N.address("::")]
        for _ in 0..<6_000 { addresses.append(.v4(IPv4Address(UInt32.random(in: 0...UInt32.max, using: &random)))) }
        var prefixes: [IPPrefix] = [N.prefix("0.0.0.0/0"), N.prefix("255.255.255.255/32"), N.prefix("fd00::/64")]
        var endpoints: [Endpoint] = [Endpoint(address: N.address("255.255.255.255"), port: 65535),
                                     Endpoint(address: N.address("0.0.0.0"), port: 0),
                                     Endpoint(address: N.address("fd00::7"), port: 51820)]
        var indices: [UInt32] = [0, 9, 10, 4_294_967_295]
        for address in addresses {
            let length = Int.random(in: 0...32, using: &random)
            if case .v4 = address { prefixes.append(try IPPrefix(address: address, length: length)) }
            endpoints.append(Endpoint(address: address, port: UInt16.random(in: 0...UInt16.max, using: &random)))
            indices.append(UInt32.random(in: 0...UInt32.max, using: &random))
        }
        for round in 0..<2 {
            for address in addresses {
                let cached = ByteBuffer(), plain = ByteBuffer()
                cache.appendAddress(address, to: cached)
                ByteText.appendAddress(address, to: plain)
                XCTAssertEqual(text(cached), text(plain), "round \(round)")
            }
            for prefix in prefixes {
                let cached = ByteBuffer(), plain = ByteBuffer()
                cache.appendPrefix(prefix, to: cached)
                ByteText.appendPrefix(prefix, to: plain)
                XCTAssertEqual(text(cached), text(plain), "round \(round)")
            }
            for endpoint in endpoints {
                let cached = ByteBuffer(), plain = ByteBuffer()
                cache.appendEndpoint(endpoint, to: cached)
                ByteText.appendEndpoint(endpoint, to: plain)
                XCTAssertEqual(text(cached), text(plain), "round \(round)")
            }
            for index in indices {
                let cached = ByteBuffer(), plain = ByteBuffer()
                cache.appendIndex(index, to: cached)
                XCTAssertEqual(text(cached), String(index))
                cache.appendIndexAsTshark(index, to: cached)
                DecisionLineComposer.appendIndexAsTshark(index, to: plain)
                XCTAssertEqual(text(cached), String(index) + text(plain), "round \(round)")
            }
        }
        // Appended after other bytes, a value lands after them (the 32-byte store is counted by
        // the text's length).
        let buffer = ByteBuffer()
        buffer.append(Array("a".utf8))
        cache.appendEndpoint(Endpoint(address: N.address("10.0.0.1"), port: 51820), to: buffer)
        buffer.append(Array("b".utf8))
        XCTAssertEqual(text(buffer), "a10.0.0.1:51820b")
    }

    /// Numbers are their decimal text on every path: below 10,000, up to 10^8 in two groups,
    /// and the general path above.
    func testUnsignedNumbersAreTheirDecimalText() {
        var values: [UInt64] = Array(0...20_000) + [99_999, 100_000, 1_000_000, 9_999_999, 10_000_000, 12_345_678,
                                                     99_999_999, 100_000_000, 100_000_001, 4_294_967_295, UInt64.max]
        var random = SeededRandom(seed: 3, label: "numbers")
        for _ in 0..<2_000 { values.append(UInt64.random(in: 0..<100_000_000, using: &random)) }
        let buffer = ByteBuffer(capacity: 64)
        var expected = ""
        for value in values {
            ByteText.appendUnsigned(value, to: buffer)
            buffer.append(0x20)
            expected += "\(value) "
        }
        XCTAssertEqual(text(buffer), expected)
        let signed = ByteBuffer()
        for value: Int64 in [-1, -10_000, -100_000_000, Int64.min] { ByteText.appendInteger(value, to: signed); signed.append(0x20) }
        XCTAssertEqual(text(signed), "-1 -10000 -100000000 \(Int64.min) ")
    }


    /// The inlined short-number path (`writeSmall`, a templated line's length, counter and
    /// frame) writes each number's decimal text, below 10,000 and past it (where it hands over
    /// to the general path), negative ones and the longest (20 bytes) too, and answers its length.
    func testSmallNumbersAreTheirDecimalText() {
        let values: [Int] = Array(0...10_100) + [99_999, 100_000, 12_345_678, 100_000_001, Int.max, -1, -9_999, -10_000, Int.min]
        let slot = UnsafeMutableRawPointer.allocate(byteCount: 24, alignment: 1)
        defer { slot.deallocate() }
        func written(_ count: Int) -> String {
            String(decoding: UnsafeRawBufferPointer(start: slot, count: count), as: UTF8.self)
        }
        for value in values {
            XCTAssertEqual(written(ByteText.writeSmall(value, at: slot)), "\(value)")
            if value >= 0 { XCTAssertEqual(written(ByteText.writeSmall(UInt64(value), at: slot)), "\(value)") }
        }
        XCTAssertEqual(written(ByteText.writeSmall(UInt64.max, at: slot)), "\(UInt64.max)")
        XCTAssertEqual(written(ByteText.writeSmall(UInt64(10_000), at: slot)), "10000")
    }

    /// The copies without memmove write exactly the bytes asked for, at every length up to 70
    /// and after any number of bytes already written, and count only those.
    func testCursorAndBufferCopiesWriteTheBytesAskedFor() {
        let source = (0..<96).map { UInt8(0x41 + $0 % 26) }
        source.withUnsafeBufferPointer { bytes in
            let start = bytes.baseAddress!
            for lead in 0..<3 {
                for count in 0...70 {
                    let want = Array(repeating: UInt8(0x2E), count: lead) + Array(source[0..<count])
                    let exact = ByteBuffer(capacity: 8)
                    exact.append(Array(repeating: 0x2E, count: lead))
                    exact.appendExact(start, count: count)
                    XCTAssertEqual(exact.bytes, want, "appendExact \(lead) + \(count)")

                    let cursorExact = ByteBuffer(capacity: 8)
                    cursorExact.append(Array(repeating: 0x2E, count: lead))
                    var c = cursorExact.cursor(reserving: count + 16)
                    c.appendExact(start, count: count)
                    cursorExact.commit(c)
                    XCTAssertEqual(cursorExact.bytes, want, "cursor appendExact \(lead) + \(count)")

                    // Padded, in 16- and 32-byte steps: the source has 32 readable bytes behind
                    // the run (96 >= 70 rounded up to 32), the room as many as each step needs.
                    for (name, step) in [("appendPadded", 16), ("appendPadded32", 32)] {
                        let padded = ByteBuffer(capacity: 8)
                        padded.append(Array(repeating: 0x2E, count: lead))
                        c = padded.cursor(reserving: count + step)
                        if step == 16 { c.appendPadded(start, count: count) } else { c.appendPadded32(start, count: count) }
                        c.appendLiteral("|")
                        c.append(0x21)
                        padded.commit(c)
                        XCTAssertEqual(padded.bytes, want + Array("|!".utf8), "cursor \(name) \(lead) + \(count)")
                    }
                    if count <= 16 {
                        let short = ByteBuffer(capacity: 8)
                        short.append(Array(repeating: 0x2E, count: lead))
                        c = short.cursor(reserving: 16 + 2)
                        c.appendShort(start, count: count)
                        c.appendLiteral("|!")
                        short.commit(c)
                        XCTAssertEqual(short.bytes, want + Array("|!".utf8), "cursor appendShort \(lead) + \(count)")
                    }

                    let within = ByteBuffer(capacity: 8)
                    within.append(Array(repeating: 0x2E, count: lead))
                    within.append(Array(source[0..<count]))
                    within.appendCopy(of: BufferPiece(start: lead, count: count))
                    XCTAssertEqual(within.bytes, want + Array(source[0..<count]), "appendCopy \(lead) + \(count)")
                }
            }
        }
    }

    /// One composer writing a mixed run of records — packets shared by consecutive records and
    /// not, route choices, peers whose keys share their first bytes (one name slot), names
    /// longer than one 16-byte move, a note, escapes — writes each record's lines exactly as a
    /// fresh composer does.
    func testAReusedComposerWritesWhatAFreshOneWrites() throws {
        let names = PeerNames()
        let short = try PublicKey(bytes: [UInt8](repeating: 1, count: 32))
        let sameSlot = try PublicKey(bytes: [1, 1] + [UInt8](repeating: 9, count: 30))
        let longName = try PublicKey(bytes: [UInt8](repeating: 2, count: 32))
        let unnamed = try PublicKey(bytes: [UInt8](repeating: 3, count: 32))
        names.register(short, as: "p1")
        names.register(sameSlot, as: "p1-shares-the-slot")
        names.register(longName, as: "a-peer-named-at-much-greater-length-than-32-bytes\"q")
        let endpoint = Endpoint(address: N.address("100.64.0.30"), port: 51820)
        let packet = PacketBuilder.udp(from: Endpoint(address: N.address("10.0.0.1"), port: 5000),
                                       to: Endpoint(address: N.address("10.0.0.30"), port: 53), payload: [UInt8](repeating: 7, count: 500))
        let reply = PacketBuilder.udp(from: Endpoint(address: N.address("10.0.0.30"), port: 53),
                                      to: Endpoint(address: N.address("10.0.0.1"), port: 5000), payload: [1])
        let packet6 = PacketBuilder.udp(from: Endpoint(address: N.address("fd00::1"), port: 5000),
                                        to: Endpoint(address: N.address("fd00::30"), port: 53), payload: [1])
        let route = RouteSpec(prefix: N.prefix("10.0.0.0/8"), device: "wg0")
        let odd = RouteSpec(prefix: N.prefix("0.0.0.0/0"), device: "we\"ird", via: N.address("10.0.0.254"), metric: 5, table: 51820)
        func device(_ node: String, _ decision: Decision, frame: Int?) -> DecisionRecord {
            var decision = decision
            if let frame { decision.subject.context = names.testContext(file: "h200-trace.pcap", frame: frame) }
            return DecisionRecord(t: 1_000_000_000 + Int64(frame ?? 0), node: names.testPosition(ofNode: node), device: decision,
                                  names: names)
        }
        func chose(_ node: String, _ route: RouteSpec, _ packet: [UInt8]) -> DecisionRecord {
            DecisionRecord(t: 5, node: names.testPosition(ofNode: node), iface: .wg0, dir: .tx, action: .routedToWG, decider: .host(.chose(route)),
                           subject: DecisionSubject(packet: packet), names: names)
        }
        let records: [DecisionRecord] = [
            chose("hub", route, packet),
            device("hub", Decision(.encrypted, .tx, peer: short, prefix: N.prefix("10.0.0.30/32"), counter: 23, receiverIndex: 12_101_124,
                                   endpoint: endpoint, packet: packet, reason: .sealed), frame: 4442),
            device("a-node-whose-name-is-longer-than-thirty-two-bytes", Decision(
                .decrypted, .rx, peer: sameSlot, counter: 19, receiverIndex: 3_793_204_237, endpoint: endpoint, packet: packet,
                reason: .decrypted(confirmsSession: false)), frame: 4442),
            device("p\"28", Decision(.delivered, .rx, peer: sameSlot, prefix: N.prefix("10.0.0.0/8"), endpoint: endpoint,
                                     packet: packet, reason: .delivered), frame: nil),
            chose("p28", odd, reply),
            device("p28", Decision(.encrypted, .tx, peer: longName, prefix: N.prefix("10.0.0.0/8"), counter: 123_456_789,
                                   receiverIndex: 7, endpoint: endpoint, packet: reply, reason: .sealed), frame: nil),
            device("hub", Decision(.decrypted, .rx, peer: unnamed, counter: 0, receiverIndex: 0, packet: reply,
                                   reason: .decrypted(confirmsSession: true)), frame: nil),
            DecisionRecord(t: 6, node: names.testPosition(ofNode: "hub"), iface: nil, dir: nil, action: .note,
                           decider: .note("two\nlines"), names: names),
            device("hub", Decision(.delivered, .rx, peer: short, prefix: N.prefix("fd00::/64"), packet: packet6, reason: .delivered),
                   frame: 1),
            device("hub", Decision(.delivered, .rx, peer: short, prefix: N.prefix("fd00::/64"), packet: packet6, reason: .delivered),
                   frame: 1),
            device("hub", Decision(.encrypted, .tx, peer: nil, packet: [0x45, 0, 0xff], reason: .sealed), frame: 2),
            chose("hub", route, packet),
        ]
        let composer = DecisionLineComposer()
        for (i, record) in records.enumerated() {
            let json = ByteBuffer(), text = ByteBuffer()
            composer.append(record, json: json, text: text)
            XCTAssertEqual(String(decoding: json.bytes, as: UTF8.self), record.jsonLine, "record \(i)")
            XCTAssertEqual(String(decoding: text.bytes, as: UTF8.self), record.textLine, "record \(i)")
        }
        // The lines themselves, for two of them: a reused composer must not only agree with a
        // fresh one, both must write what the log always wrote.
        XCTAssertEqual(records[1].textLine, "1.000004442 hub wg0 tx encrypted udp 10.0.0.1 > 10.0.0.30 len 528 peer p1 prefix 10.0.0.30/32 counter 23 receiver-index 0x00b8a604 endpoint 100.64.0.30:51820 [h200-trace.pcap #4442]: 10.0.0.30 matched 10.0.0.30/32 (p1); sealed with counter 23 for 100.64.0.30:51820")
        XCTAssertEqual(records[4].jsonLine, #"{"t":5,"node":"p28","iface":"wg0","dir":"tx","src":"10.0.0.30","dst":"10.0.0.1","proto":"udp","len":29,"action":"routed-to-wg","why":"route default via 10.0.0.254 dev we\"ird metric 5 table 51820 is the best match for 10.0.0.1"}"#)
    }
}
