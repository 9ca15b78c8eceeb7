import XCTest
import Packet
@testable import Pcap

/// The writer: classic pcap, nanosecond magic, little-endian on every host, RAW or Ethernet;
/// what it writes libpcap (and tshark, when installed) read back identically.
final class PcapWriterTests: XCTestCase {
    var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("PcapWriterTests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    private func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    private var packets: [[UInt8]] {
        let a = IPAddress.v4(IPv4Address(10, 9, 0, 1)), b = IPAddress.v4(IPv4Address(10, 9, 0, 2))
        let c = IPAddress.v6(IPv6Address(high: 0x2001_0db8 << 32, low: 1)), d = IPAddress.v6(IPv6Address(high: 0x2001_0db8 << 32, low: 2))
        return [PacketBuilder.udp(from: Endpoint(address: a, port: 51820), to: Endpoint(address: b, port: 51820), payload: [4, 0, 0, 0]),
                PacketBuilder.echoRequest(from: c, to: d, identifier: 1, sequence: 1, payloadSize: 8)]
    }

    /// The 24-byte header is fixed: magic 0xa1b23c4d, 2.4, zone 0, sigfigs 0, snaplen, link type,
    /// all little-endian; then each record's seconds, nanoseconds, lengths.
    func testFileBytesAreFixedLittleEndianNanosecond() throws {
        let p = path("golden.pcap")
        let writer = try PcapWriter(path: p)
        try writer.write([0x45], timestamp: 3_000_000_007)
        try writer.close()
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: p)))
        XCTAssertEqual(bytes, [0x4d, 0x3c, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                               0x00, 0x00, 0x04, 0x00, 101, 0, 0, 0,
                               3, 0, 0, 0, 7, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0x45])
    }

    func testRawFileReadsBackThroughLibpcap() throws {
        let p = path("raw.pcap")
        let writer = try PcapWriter(path: p, linkType: .raw)
        for (k, packet) in packets.enumerated() { try writer.write(packet, timestamp: 1_700_000_000_000_000_001 + Int64(k)) }
        try writer.close()
        let reader = try PcapReader(path: p)
        XCTAssertEqual(reader.linkType, .raw)
        let read = try reader.readAll()
        XCTAssertEqual(read.map(\.bytes), packets)
        XCTAssertEqual(read.map(\.timestamp), [1_700_000_000_000_000_001, 1_700_000_000_000_000_002])
    }

    func testEthernetFileReadsBackThroughLibpcap() throws {
        let p = path("eth.pcap")
        let writer = try PcapWriter(path: p, linkType: .ethernet)
        try writer.write(packets[0], timestamp: 1)
        let swapped = EthernetHeader(source: writer.defaultEthernet.destination, destination: writer.defaultEthernet.source)
        try writer.write(packets[1], timestamp: 2, ethernet: swapped)
        try writer.close()
        let read = try PcapReader(path: p).readAll()
        XCTAssertEqual(read.map(\.bytes), packets)
    }

    /// Flushes and closes on every exit path: dropping the writer without close() keeps data.
    func testDeinitFlushes() throws {
        let p = path("dropped.pcap")
        do {
            let writer = try PcapWriter(path: p)
            try writer.write(packets[0], timestamp: 5)
        }
        XCTAssertEqual(try PcapReader(path: p).readAll().map(\.bytes), [packets[0]])
    }

    func testManyPacketsCrossTheBufferBoundary() throws {
        let p = path("many.pcap")
        let writer = try PcapWriter(path: p)
        let big = PacketBuilder.datagram(from: .v4(IPv4Address(1, 1, 1, 1)), to: .v4(IPv4Address(2, 2, 2, 2)),
                                         transport: .udp(sourcePort: 1, destinationPort: 2), payloadSize: 1400)
        for k in 0..<2000 { try writer.write(big, timestamp: Int64(k)) }
        try writer.close()
        let read = try PcapReader(path: p).readAll()
        XCTAssertEqual(read.count, 2000)
        XCTAssertEqual(read.last, CapturedPacket(frame: 2000, timestamp: 1999, bytes: big))
    }

    /// `writeUDP` writes the record `write` writes of `PacketBuilder.udp`'s datagram, byte for
    /// byte, on raw and Ethernet captures, IPv4 and IPv6, across buffer flushes; a datagram over
    /// the snapshot length is refused as `write` refuses it.
    func testWriteUDPIsTheRecordOfTheBuiltDatagram() throws {
        let a = Endpoint(address: .v4(IPv4Address(10, 9, 0, 1)), port: 51820)
        let b = Endpoint(address: .v4(IPv4Address(10, 9, 0, 2)), port: 7)
        let c = Endpoint(address: .v6(IPv6Address(high: 0x2001_0db8 << 32, low: 1)), port: 51820)
        let d = Endpoint(address: .v6(IPv6Address(high: 0x2001_0db8 << 32, low: 2)), port: 9)
        for linkType in [LinkType.raw, .ethernet] {
            let built = try PcapWriter(path: path("built.pcap"), linkType: linkType, buffering: .manyFiles)
            let direct = try PcapWriter(path: path("direct.pcap"), linkType: linkType, buffering: .manyFiles)
            for k in 0..<3000 {
                let (from, to) = k % 3 == 0 ? (c, d) : (k % 2 == 0 ? (a, b) : (b, a))
                let payload = (0..<(k * 7 % 1500)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ k) }
                try built.write(PacketBuilder.udp(from: from, to: to, payload: payload), timestamp: Int64(k) * 1_000_003)
                try direct.writeUDP(from: from, to: to, payload: payload, timestamp: Int64(k) * 1_000_003)
            }
            let tooLong = [UInt8](repeating: 1, count: Int(PcapWriter.snapshotLength))
            XCTAssertThrowsError(try direct.writeUDP(from: a, to: b, payload: tooLong, timestamp: 1)) { error in
                XCTAssertEqual((error as? PcapError)?.frame, 3001)
            }
            XCTAssertEqual(direct.frameCount, 3000)
            try built.close()
            try direct.close()
            let builtBytes = try Data(contentsOf: URL(fileURLWithPath: path("built.pcap")))
            XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path("direct.pcap"))), builtBytes, "\(linkType)")
            XCTAssertGreaterThan(builtBytes.count, 2_000_000)
        }
    }

    func testBadUseIsATypedError() throws {
        let writer = try PcapWriter(path: path("bad.pcap"))
        XCTAssertThrowsError(try writer.write(packets[0], timestamp: -1)) { XCTAssertTrue("\($0)".contains("does not fit a pcap record"), "\($0)") }
        XCTAssertThrowsError(try writer.write(packets[0], timestamp: (Int64(UInt32.max) + 1) * 1_000_000_000))
        try writer.close()
        try writer.close()
        XCTAssertThrowsError(try writer.write(packets[0], timestamp: 0)) { XCTAssertTrue("\($0)".contains("after close")) }
        XCTAssertThrowsError(try PcapWriter(path: path("x.pcap"), linkType: .linuxSLL))
        XCTAssertThrowsError(try PcapWriter(path: "/nonexistent/dir/x.pcap"))
    }

    /// Writers sharing a one-file pool close each other's files and reopen their own for
    /// appending; the bytes are those of writers that kept their files open throughout.
    func testPooledWritersReopenAndAppendTheSameBytes() throws {
        let pool = PcapFilePool(limit: 1)
        let pooled = try (0..<3).map { try PcapWriter(path: path("pooled\($0).pcap"), buffering: .manyFiles, pool: pool) }
        let alone = try (0..<3).map { try PcapWriter(path: path("alone\($0).pcap")) }
        for k in 0..<600 {
            let packet = packets[k % 2] + [UInt8](repeating: UInt8(k % 256), count: k % 300)
            try pooled[k % 3].write(packet, timestamp: Int64(k) * 1_000_003)
            try alone[k % 3].write(packet, timestamp: Int64(k) * 1_000_003)
        }
        for writer in pooled + alone { try writer.close() }
        for i in 0..<3 {
            let bytes = try Data(contentsOf: URL(fileURLWithPath: path("pooled\(i).pcap")))
            XCTAssertEqual(bytes, try Data(contentsOf: URL(fileURLWithPath: path("alone\(i).pcap"))), "file \(i)")
            XCTAssertGreaterThan(bytes.count, 32 << 10, "several flushes, so several reopens")
        }
        XCTAssertEqual(try PcapReader(path: path("pooled1.pcap")).readAll().count, 200)
    }

    /// The pool holds writers weakly: one dropped without close() still flushes in deinit, and
    /// its slot goes to the next writer.
    func testPooledWriterDroppedWithoutCloseKeepsItsPackets() throws {
        let pool = PcapFilePool(limit: 1)
        do {
            let writer = try PcapWriter(path: path("dropped.pcap"), buffering: .manyFiles, pool: pool)
            try writer.write(packets[0], timestamp: 5)
        }
        let next = try PcapWriter(path: path("next.pcap"), buffering: .manyFiles, pool: pool)
        try next.write(packets[1], timestamp: 6)
        try next.close()
        XCTAssertEqual(try PcapReader(path: path("dropped.pcap")).readAll().map(\.bytes), [packets[0]])
        XCTAssertEqual(try PcapReader(path: path("next.pcap")).readAll().map(\.bytes), [packets[1]])
    }

    /// The header reaches the file when the writer is made, so an empty capture is a valid file.
    func testHeaderIsWrittenAtOnce() throws {
        let writer = try PcapWriter(path: path("empty.pcap"), buffering: .manyFiles)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path("empty.pcap"))).count, PcapFormat.fileHeaderLength)
        try writer.close()
        XCTAssertEqual(try PcapReader(path: path("empty.pcap")).readAll(), [])
    }

    /// Wireshark's own reader agrees (fails when tshark is not installed).
    func testTsharkReadsWrittenFiles() throws {
        let tshark = ["/usr/bin/tshark", "/usr/local/bin/tshark"].first { FileManager.default.isExecutableFile(atPath: $0) }
        guard let tshark else { return XCTFail("tshark is not installed: scripts/setup.sh installs it (a failure, not a skip)") }
        for link in [LinkType.raw, .ethernet] {
            let p = path("tshark-\(link).pcap")
            let writer = try PcapWriter(path: p, linkType: link)
            try writer.write(packets[0], timestamp: 1_700_000_000_123_456_789)
            try writer.write(packets[1], timestamp: 1_700_000_001_000_000_000)
            try writer.close()
            let process = Process()
            process.executableURL = URL(fileURLWithPath: tshark)
            process.arguments = ["-r", p, "-T", "fields", "-e", "frame.time_epoch", "-e", "ip.src", "-e", "ipv6.src", "-e", "udp.dstport"]
            let pipe = Pipe()
            process.standardOutput = pipe
            process.standardError = FileHandle.nullDevice
            try process.run()
            let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            let lines = output.split(separator: "\n").map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
            XCTAssertEqual(lines.count, 2, output)
            XCTAssertEqual(lines.first?.first, "1700000000.123456789", output)
            XCTAssertEqual(lines.first?.dropFirst().first, "10.9.0.1", output)
            XCTAssertEqual(lines.last?.dropFirst(2).first, "2001:db8::1", output)
        }
    }
}
