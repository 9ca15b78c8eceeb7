import Packet
import Routing
@testable import Sim
@testable import WireGuard
import XCTest

/// A decision record names its node by position and its trace file by the packet context's
/// origin, both through the simulation's `PeerNames`: the names it reports, and the names the log
/// composer writes, must be the ones registered, whichever order files were registered in and
/// whichever simulation's names a record carries.
final class DecisionRecordNamesTests: XCTestCase {
    private func note(_ names: PeerNames, node: Int32, file: String?, frame: Int) -> DecisionRecord {
        let context = file.map { PacketContext(origin: names.traceOrigin(of: $0), number: frame) } ?? .none
        return DecisionRecord(t: 1, node: node, iface: .eth0, dir: nil, action: .note, decider: .note("n"),
                              subject: DecisionSubject(context: context), names: names)
    }

    func testARecordNamesItsNodeAndTraceThroughTheNames() {
        let names = PeerNames()
        names.use(nodeNames: ["hub", "p1", "p2"])
        XCTAssertEqual(names.traceOrigin(of: "a.pcap"), 1)
        XCTAssertEqual(names.traceOrigin(of: "b.pcap"), 2)
        XCTAssertEqual(names.traceOrigin(of: "a.pcap"), 1, "a file registered again keeps its origin")
        let record = note(names, node: 2, file: "b.pcap", frame: 17)
        XCTAssertEqual(record.node, "p2")
        XCTAssertEqual(record.nodePosition, 2)
        XCTAssertEqual(record.trace, TraceRef(file: "b.pcap", frame: 17))
        XCTAssertNil(note(names, node: 0, file: nil, frame: 0).trace)
    }

    /// The composer learns a simulation's trace files as it meets their origins: a file
    /// registered after a record was composed, and a second simulation's names (the same origin
    /// meaning another file), are each written with their own file name.
    func testTheComposerWritesEachRecordsOwnTraceFile() {
        let composer = DecisionLineComposer()
        let text = ByteBuffer()
        let first = PeerNames(), second = PeerNames()
        first.use(nodeNames: ["hub"])
        second.use(nodeNames: ["other"])
        composer.append(note(first, node: 0, file: "one.pcap", frame: 1), json: ByteBuffer(), text: text)
        text.append(0x0A)
        composer.append(note(first, node: 0, file: "two.pcap", frame: 2), json: ByteBuffer(), text: text)
        text.append(0x0A)
        composer.append(note(second, node: 0, file: "three.pcap", frame: 3), json: ByteBuffer(), text: text)
        text.append(0x0A)
        composer.append(note(first, node: 0, file: "one.pcap", frame: 4), json: ByteBuffer(), text: text)
        text.append(0x0A)
        XCTAssertEqual(String(decoding: text.bytes, as: UTF8.self),
                       "0.000000001 hub eth0 note [one.pcap #1]: n\n0.000000001 hub eth0 note [two.pcap #2]: n\n"
                       + "0.000000001 other eth0 note [three.pcap #3]: n\n0.000000001 hub eth0 note [one.pcap #4]: n\n")
    }

    /// One `DecisionTextLines` writes every record's text line as the record's own `textLine`
    /// (a fresh composer each) does, whatever came before it.
    func testKeptTextLinesAreEachRecordsOwn() throws {
        let names = PeerNames()
        names.use(nodeNames: ["hub", "p1"])
        let peer = try PublicKey(bytes: [UInt8](repeating: 5, count: 32))
        names.register(peer, as: "p5")
        let packet = PacketBuilder.udp(from: Endpoint(address: SimTestNetwork.address("10.0.0.1"), port: 5000),
                                       to: Endpoint(address: SimTestNetwork.address("10.0.0.2"), port: 53), payload: [1, 2, 3])
        var records: [DecisionRecord] = []
        for i in 0..<6 {
            let context = i % 2 == 0 ? PacketContext(origin: names.traceOrigin(of: "t\(i % 3).pcap"), number: i) : .none
            records.append(DecisionRecord(t: Int64(i), node: Int32(i % 2), device: Decision(
                .encrypted, .tx, peer: peer, counter: UInt64(i), packet: i < 4 ? packet : nil, context: context,
                reason: .sealed), names: names))
            records.append(note(names, node: 1, file: i % 3 == 0 ? "n.pcap" : nil, frame: i))
        }
        let lines = DecisionTextLines()
        for record in records {
            XCTAssertEqual(lines.textLine(of: record), record.textLine)
        }
    }
}
