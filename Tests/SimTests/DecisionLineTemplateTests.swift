import Packet
import Routing
@testable import Sim
@testable import WireGuard
import XCTest

/// A composer writes a data packet's decisions from a line template once it has seen their kind
/// twice (`DecisionLineTemplates`): every line must be byte for byte the line composed field by
/// field (`DecisionRecord.jsonLine`/`textLine`, a fresh composer without templates each time).
final class DecisionLineTemplateTests: XCTestCase {
    typealias N = SimTestNetwork

    private func key(_ byte: UInt8) throws -> PublicKey { try PublicKey(bytes: [UInt8](repeating: byte, count: 32)) }

    private func packet(_ source: String, _ destination: String, size: Int) -> [UInt8] {
        PacketBuilder.udp(from: Endpoint(address: N.address(source), port: 5000),
                          to: Endpoint(address: N.address(destination), port: 53), payload: [UInt8](repeating: 7, count: size))
    }

    /// Many records of a few kinds in a shuffled order, each kind with changing times, counters,
    /// frames and packets, plain and escaped names, and kinds never templated (candidates, IPv6,
    /// another interface, a note) between them.
    func testTemplatedLinesAreTheLinesComposedFieldByField() throws {
        let names = PeerNames()
        let plain = try key(1), escaped = try key(2), other = try key(3)
        names.register(plain, as: "p1")
        names.register(escaped, as: "pe\"er\\one\nsecond line\u{1}")
        names.register(other, as: "o")
        let hub = names.testPosition(ofNode: "hub"), client = names.testPosition(ofNode: "c\"1")
        let endpoint = Endpoint(address: N.address("192.0.2.7"), port: 51820)
        let endpoint6 = Endpoint(address: N.address("2001:db8::7"), port: 51820)
        let packets = [packet("10.0.0.2", "10.1.2.3", size: 3), packet("10.0.0.2", "10.1.2.30", size: 1400),
                       packet("10.200.0.12", "10.1.2.3", size: 64), packet("fd00::2", "fd00::3", size: 9)]
        let route = RouteSpec(prefix: N.prefix("10.0.0.0/8"), device: "wg0")
        let routeVia = RouteSpec(prefix: N.prefix("0.0.0.0/0"), device: "a-device-named-at-length-0", via: N.address("10.9.9.9"))
        let routeMetric = RouteSpec(prefix: N.prefix("10.1.0.0/16"), device: "wg0", metric: 5)
        var random = SeededRandom(seed: 3, label: "line-templates")
        let composer = DecisionLineComposer()
        let json = ByteBuffer(), text = ByteBuffer()
        var expectedJSON = "", expectedText = ""
        var t: Int64 = 1_000_000_000
        for _ in 0..<1500 {
            if random.next() % 3 == 0 { t += Int64(random.next() % 5_000_000_000) }
            let packet = packets[Int(random.next() % UInt64(packets.count))]
            let peer = [plain, escaped][Int(random.next() % 2)]
            let counter = [0, 9, 10, 99_999, 100_000_000, UInt64.max][Int(random.next() % 6)] &+ random.next() % 3
            let context = random.next() % 4 == 0 ? PacketContext.none
                : names.testContext(file: random.next() % 2 == 0 ? "trace.pcap" : "t\"x.pcap", frame: Int(random.next() % 100_000))
            let node = random.next() % 2 == 0 ? hub : client
            var record: DecisionRecord
            switch random.next() % 9 {
            case 0, 1:
                var decision = Decision(.encrypted, .tx, peer: peer, prefix: N.prefix("10.1.2.0/24"), counter: counter,
                                        receiverIndex: 99, endpoint: endpoint, packet: packet, reason: .sealed)
                decision.subject.context = context
                record = DecisionRecord(t: t, node: node, device: decision, names: names)
            case 2:
                var decision = Decision(.decrypted, .rx, peer: peer, counter: counter, receiverIndex: 0xFFFF_FFF0,
                                        endpoint: endpoint, packet: packet, reason: .decrypted(confirmsSession: random.next() % 2 == 0))
                decision.subject.context = context
                record = DecisionRecord(t: t, node: node, device: decision, names: names)
            case 3:
                var decision = Decision(.delivered, .rx, peer: peer, prefix: N.prefix("10.0.0.0/8"), endpoint: endpoint,
                                        packet: packet, reason: .delivered)
                decision.subject.context = context
                record = DecisionRecord(t: t, node: node, device: decision, names: names)
            case 4:
                let chosen = [route, routeVia, routeMetric][Int(random.next() % 3)]
                record = DecisionRecord(t: t, node: node, iface: .wg0, dir: .tx, action: .routedToWG,
                                        decider: .host(.chose(chosen)), subject: DecisionSubject(packet: packet, context: context),
                                        names: names)
            case 5:
                // Never templated: other candidates, an IPv6 endpoint.
                var decision = Decision(.encrypted, .tx, peer: peer, prefix: N.prefix("10.1.2.0/24"),
                                        candidates: [(prefix: N.prefix("10.0.0.0/8"), peer: other)], counter: counter,
                                        receiverIndex: 99, endpoint: random.next() % 2 == 0 ? endpoint : endpoint6,
                                        packet: packet, reason: .sealed)
                decision.subject.context = context
                record = DecisionRecord(t: t, node: node, device: decision, names: names)
            case 6:
                // A packet too short for its addresses.
                var decision = Decision(.delivered, .rx, peer: peer, prefix: N.prefix("10.0.0.0/8"), endpoint: endpoint,
                                        packet: [0x45, 1, 2], reason: .delivered)
                decision.subject.context = context
                record = DecisionRecord(t: t, node: node, device: decision, names: names)
            case 7:
                record = DecisionRecord(t: t, node: node, iface: .eth0, dir: .rx, action: .routedToWG,
                                        decider: .host(.chose(route)), subject: DecisionSubject(packet: packet, context: context),
                                        names: names)
            default:
                record = DecisionRecord(t: t, node: node, iface: .other("lo"), dir: nil, action: .note,
                                        decider: .note("a note\nof two lines"), names: names)
            }
            expectedJSON += record.jsonLine + "\n"
            expectedText += record.textLine + "\n"
            composer.append(record, json: json, text: text)
            json.append(0x0A)
            text.append(0x0A)
        }
        let writtenJSON = String(decoding: json.bytes, as: UTF8.self), writtenText = String(decoding: text.bytes, as: UTF8.self)
        for (written, expected) in [(writtenJSON, expectedJSON), (writtenText, expectedText)] {
            let lines = written.split(separator: "\n", omittingEmptySubsequences: false)
            for (i, line) in expected.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
            where i >= lines.count || lines[i] != line {
                XCTFail("line \(i + 1):\n\(i < lines.count ? lines[i] : "(none)")\nexpected\n\(line)")
                break
            }
            XCTAssertEqual(written, expected)
        }
        // Most of the data packets' lines (about 750 of the 1500) came from templates.
        XCTAssertGreaterThan(composer.linesFromTemplates, 400)
    }

    /// A template is made on a kind's second sight: a kind seen once costs none, and the
    /// lines of a kind seen again are written from it.
    func testATemplateIsMadeOnTheSecondSight() throws {
        let (names, peer, hub) = try namedPeerAtHub()
        let composer = DecisionLineComposer()
        for (i, counter) in [UInt64(5), 6, 70, 800].enumerated() {
            let decision = Decision(.encrypted, .tx, peer: peer, prefix: N.prefix("10.1.2.0/24"), counter: counter,
                                    receiverIndex: 99, endpoint: Endpoint(address: N.address("192.0.2.7"), port: 51820),
                                    packet: packet("10.0.0.2", "10.1.2.3", size: i), reason: .sealed)
            let record = DecisionRecord(t: Int64(i), node: hub, device: decision, names: names)
            let lines = composeBoth(record, with: composer)
            XCTAssertEqual(lines.json, record.jsonLine)
            XCTAssertEqual(lines.text, record.textLine)
            XCTAssertEqual(composer.linesFromTemplates, max(0, i))
        }
    }

    /// A templated line whose fields are longer than 16 bytes — a time past 10^6 s (17 bytes
    /// as text), a frame or counter past 10^16 — is the composed line too: such fields are
    /// copied by the general loop, the short ones by a single move.
    func testTemplatedLinesWithLongFieldsAreTheComposedLines() throws {
        let (names, peer, hub) = try namedPeerAtHub()
        let composer = DecisionLineComposer()
        let cases: [(t: Int64, counter: UInt64, frame: Int)] = [
            (5, 1, 1), (6, 2, 2), (2_000_000_000_000_000, 3, 4), (7, 12_345_678_901_234_567, 5),
            (8, 4, 98_765_432_109_876_543), (9_000_000_000_000_000_000, UInt64.max, Int.max), (10, 5, 6),
        ]
        for (i, field) in cases.enumerated() {
            var decision = Decision(.encrypted, .tx, peer: peer, prefix: N.prefix("10.1.2.0/24"), counter: field.counter,
                                    receiverIndex: 99, endpoint: Endpoint(address: N.address("192.0.2.7"), port: 51820),
                                    packet: packet("10.0.0.2", "10.1.2.3", size: i), reason: .sealed)
            decision.subject.context = names.testContext(file: "trace.pcap", frame: field.frame)
            let record = DecisionRecord(t: field.t, node: hub, device: decision, names: names)
            let lines = composeBoth(record, with: composer)
            XCTAssertEqual(lines.json, record.jsonLine, "case \(i)")
            XCTAssertEqual(lines.text, record.textLine, "case \(i)")
        }
        XCTAssertEqual(composer.linesFromTemplates, cases.count - 1, "all but the first from the template")
    }

    /// Names with peer `p1` registered and a node `hub`, for the template tests.
    private func namedPeerAtHub() throws -> (names: PeerNames, peer: PublicKey, hub: Int32) {
        let names = PeerNames()
        let peer = try key(1)
        names.register(peer, as: "p1")
        return (names, peer, names.testPosition(ofNode: "hub"))
    }

    /// The JSON and text lines `composer` writes for `record`.
    private func composeBoth(_ record: DecisionRecord, with composer: DecisionLineComposer) -> (json: String, text: String) {
        let json = ByteBuffer(), text = ByteBuffer()
        composer.append(record, json: json, text: text)
        return (String(decoding: json.bytes, as: UTF8.self), String(decoding: text.bytes, as: UTF8.self))
    }
}
