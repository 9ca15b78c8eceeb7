import Routing
@testable import Sim
import WireGuard
import XCTest

/// The pieces a split run exchanges and merges (docs/mpi.md).
final class SplitRunMergeTests: XCTestCase {
    func testADatagramCrossesBetweenProcessesUnchanged() throws {
        let outer: [UInt8] = Array(0..<60)
        let datagram = UnderlayDatagram(to: 7, outer: outer, payload: Array(outer[28...]),
                                        source: Endpoint(address: try IPAddress(parsing: "2001:db8::1"), port: 51820),
                                        destination: try IPAddress(parsing: "2001:db8::2"), destinationPort: 443,
                                        isWireGuard: true, context: PacketContext(origin: 3, number: 99))
        let remote = RemoteDatagram(key: EventKey(time: 5_000, origin: -1, sequence: 42), node: 7, datagram: datagram)
        var bytes: [UInt8] = []
        remote.encode(into: &bytes)
        remote.encode(into: &bytes)
        let decoded = try XCTUnwrap(RemoteDatagram.decodeAll(bytes))
        XCTAssertEqual(decoded.count, 2)
        for d in decoded {
            XCTAssertEqual(d.key, remote.key)
            XCTAssertEqual(d.node, 7)
            XCTAssertEqual(d.datagram.outer, outer)
            XCTAssertEqual(d.datagram.payload, Array(outer[28...]))
            XCTAssertEqual(d.datagram.source, datagram.source)
            XCTAssertEqual(d.datagram.destination, datagram.destination)
            XCTAssertEqual(d.datagram.destinationPort, 443)
            XCTAssertTrue(d.datagram.isWireGuard)
            XCTAssertEqual(d.datagram.context, datagram.context)
        }
        XCTAssertNil(RemoteDatagram.decodeAll(Array(bytes.dropLast())), "a torn message is not read")
    }

    func testKeyLogSharesMergeByPlaceKeepingFirstUse() {
        func key(_ t: Int64, _ o: Int64) -> EventKey { EventKey(time: t, origin: o, sequence: 0) }
        let merged = KeyLogMerge.merge([
            [(key(1, 0), "A"), (key(3, 0), "shared"), (key(5, 0), "C")],
            [(key(2, 1), "B"), (key(3, 1), "shared"), (key(4, 1), "D")],
        ])
        XCTAssertEqual(merged, ["A", "B", "shared", "D", "C"])
    }

    /// Two shares of decision lines merge into the order of their places.
    func testDecisionLogSharesMergeByPlace() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("wgsim-merge-\(getpid())").path
        try? FileManager.default.removeItem(atPath: folder)
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        // Share files written directly: lines "jN"/"tN" at places with times N.
        for (rank, times) in [[1, 4, 4, 9], [2, 3, 10]].enumerated() {
            let files = DecisionLogParts.Files(folder: folder, rank: rank)
            var index: [UInt8] = []
            var json = "", text = ""
            for (n, t) in times.enumerated() {
                let j = "j\(t)-\(rank)\n", x = "t\(t)\n"
                DecisionLogParts.append(key: EventKey(time: Int64(t), origin: Int64(rank), sequence: UInt64(n)),
                                        jsonLength: j.utf8.count, textLength: x.utf8.count, to: &index)
                json += j
                text += x
            }
            try json.write(toFile: files.jsonl, atomically: false, encoding: .utf8)
            try text.write(toFile: files.text, atomically: false, encoding: .utf8)
            try Data(index).write(to: URL(fileURLWithPath: files.index))
        }
        try DecisionLogParts.merge([0, 1].map { DecisionLogParts.Files(folder: folder, rank: $0) },
                                   jsonlPath: folder + "/d.jsonl", textPath: folder + "/d.txt")
        XCTAssertEqual(try String(contentsOfFile: folder + "/d.jsonl", encoding: .utf8),
                       "j1-0\nj2-1\nj3-1\nj4-0\nj4-0\nj9-0\nj10-1\n")
        XCTAssertEqual(try String(contentsOfFile: folder + "/d.txt", encoding: .utf8), "t1\nt2\nt3\nt4\nt4\nt9\nt10\n")
    }
}
