import XCTest
import Packet
@testable import Pcap

/// The reader strips every link layer issue 3 lists, for IPv4 and IPv6, reading files built
/// byte by byte the way capture tools write them.
final class LinkTypeReadingTests: XCTestCase {
    let v4a = IPAddress.v4(IPv4Address(192, 168, 32, 19)), v4b = IPAddress.v4(IPv4Address(192, 168, 0, 1))
    let v6a = IPAddress.v6(IPv6Address(high: 0xfd00_0000_0000_0000, low: 1))
    let v6b = IPAddress.v6(IPv6Address(high: 0xfd00_0000_0000_0000, low: 2))
    var ipv4: [UInt8] { PacketBuilder.datagram(from: v4a, to: v4b, transport: .udp(sourcePort: 1, destinationPort: 53), payloadSize: 40) }
    var ipv6: [UInt8] { PacketBuilder.echoRequest(from: v6a, to: v6b, identifier: 1, sequence: 2, payloadSize: 24) }

    /// Reads a file holding `frames` (one per IP packet given) and checks the IP bytes and
    /// timestamps come back exactly.
    private func assertRoundTrip(linkType: UInt32, _ frame: ([UInt8]) -> [UInt8], packets: [[UInt8]]? = nil,
                                 expect: LinkType, file: StaticString = #filePath, line: UInt = #line) throws {
        let ips = packets ?? [ipv4, ipv6]
        let records = ips.enumerated().map { CaptureFileBytes.Record(timestamp: 1_700_000_000_123_456_789 + Int64($0.offset), frame: frame($0.element)) }
        let reader = try PcapReader(bytes: CaptureFileBytes.pcap(linkType: linkType, records))
        XCTAssertEqual(reader.linkType, expect, file: file, line: line)
        let read = try reader.readAll()
        XCTAssertEqual(read.map(\.bytes), ips, "link type \(linkType)", file: file, line: line)
        XCTAssertEqual(read.map(\.timestamp), records.map(\.timestamp), file: file, line: line)
        XCTAssertEqual(read.map(\.frame), Array(1...ips.count), file: file, line: line)
        XCTAssertEqual(reader.skippedCount, 0, "\(reader.skippedFrames)", file: file, line: line)
    }

    func testEthernetIPv4AndIPv6() throws {
        try assertRoundTrip(linkType: 1, { CaptureFileBytes.ethernet($0) }, expect: .ethernet)
    }

    func testEthernetWith8021QTag() throws {
        try assertRoundTrip(linkType: 1, { CaptureFileBytes.ethernet($0, tags: [0x8100]) }, expect: .ethernet)
    }

    func testEthernetWith8021adOuterAnd8021QInnerTags() throws {
        try assertRoundTrip(linkType: 1, { CaptureFileBytes.ethernet($0, tags: [0x88a8, 0x8100]) }, expect: .ethernet)
    }

    func testRawLinkTypes101And12And14() throws {
        for value: UInt32 in [101, 12, 14] {
            try assertRoundTrip(linkType: value, { $0 }, expect: .raw)
        }
    }

    func testIPv4OnlyAndIPv6OnlyLinkTypes() throws {
        try assertRoundTrip(linkType: 228, { $0 }, packets: [ipv4], expect: .ipv4)
        try assertRoundTrip(linkType: 229, { $0 }, packets: [ipv6], expect: .ipv6)
    }

    /// DLT_NULL's family is in the capturing host's byte order: both orders, and all three
    /// AF_INET6 values (24 NetBSD/OpenBSD, 28 FreeBSD, 30 Darwin).
    func testNullBothByteOrdersAllIPv6Families() throws {
        for networkOrder in [false, true] {
            for family6: UInt32 in [24, 28, 30] {
                try assertRoundTrip(linkType: 0, { ip in
                    CaptureFileBytes.bsdLoopback(ip, family: ip[0] >> 4 == 6 ? family6 : 2, networkOrder: networkOrder)
                }, expect: .null)
            }
        }
    }

    func testLoopNetworkOrderAllIPv6Families() throws {
        for family6: UInt32 in [24, 28, 30] {
            try assertRoundTrip(linkType: 108, { ip in
                CaptureFileBytes.bsdLoopback(ip, family: ip[0] >> 4 == 6 ? family6 : 2, networkOrder: true)
            }, expect: .loop)
        }
    }

    func testLinuxCookedV1AndV2() throws {
        try assertRoundTrip(linkType: 113, CaptureFileBytes.linuxSLL, expect: .linuxSLL)
        try assertRoundTrip(linkType: 276, CaptureFileBytes.linuxSLL2, expect: .linuxSLL2)
    }

    /// Microsecond files (magic 0xa1b2c3d4) come back in nanoseconds; big-endian files too.
    func testMicrosecondAndBigEndianFilesGiveNanoseconds() throws {
        let record = CaptureFileBytes.Record(timestamp: 1_532_126_321_356_858_000, frame: ipv4)
        for bigEndian in [false, true] {
            let reader = try PcapReader(bytes: CaptureFileBytes.pcap(linkType: 101, [record], bigEndian: bigEndian, nanosecond: false))
            XCTAssertEqual(try reader.next(), CapturedPacket(frame: 1, timestamp: record.timestamp, bytes: ipv4))
        }
    }

    /// Ethernet pads short frames to 60 bytes; the IP packet ends where its length says.
    func testEthernetPaddingIsTrimmed() throws {
        let small = PacketBuilder.datagram(from: v4a, to: v4b, transport: .udp(sourcePort: 1, destinationPort: 2), payloadSize: 0)
        let padded = CaptureFileBytes.ethernet(small) + [UInt8](repeating: 0, count: 60 - 14 - small.count)
        let reader = try PcapReader(bytes: CaptureFileBytes.pcap(linkType: 1, [.init(timestamp: 0, frame: padded)]))
        XCTAssertEqual(try reader.next()?.bytes, small)
    }

    /// Non-IP frames are skipped and counted with the reason; numbering still counts them.
    func testNonIPFramesAreSkippedWithReason() throws {
        let arp = CaptureFileBytes.ethernet([UInt8](repeating: 0, count: 28), etherType: 0x0806)
        let lldp = CaptureFileBytes.ethernet([UInt8](repeating: 0, count: 30), etherType: 0x88cc)
        let records: [CaptureFileBytes.Record] = [.init(timestamp: 1, frame: arp), .init(timestamp: 2, frame: lldp),
                                                  .init(timestamp: 3, frame: CaptureFileBytes.ethernet(ipv4))]
        let reader = try PcapReader(bytes: CaptureFileBytes.pcap(linkType: 1, records))
        let packets = try reader.readAll()
        XCTAssertEqual(packets.map(\.frame), [3])
        XCTAssertEqual(reader.skippedFrames.map(\.frame), [1, 2])
        XCTAssertEqual(reader.skippedFrames.map(\.reason.description), ["not IP: ARP (EtherType 0x0806)", "not IP: LLDP (EtherType 0x88cc)"])
        XCTAssertEqual(reader.frameCount, 3)
    }

    /// A frame the capture cut short (caplen < len) is reported, not parsed.
    func testTruncatedCaptureIsReportedNotParsed() throws {
        let frame = CaptureFileBytes.ethernet(ipv4)
        let cut = CaptureFileBytes.Record(timestamp: 5, frame: Array(frame.prefix(34)), originalLength: frame.count)
        let reader = try PcapReader(bytes: CaptureFileBytes.pcap(linkType: 1, [cut]))
        XCTAssertNil(try reader.next())
        XCTAssertEqual(reader.skippedFrames, [SkippedFrame(frame: 1, reason: .truncatedCapture(captured: 34, original: frame.count))])
    }

    /// The link layer's IP version must agree with the header, and the header must fit.
    func testInconsistentIPHeadersAreSkipped() throws {
        let wrongVersion = CaptureFileBytes.ethernet(ipv6, etherType: 0x0800)
        let shortIP = CaptureFileBytes.ethernet(Array(ipv4.prefix(30)))
        let reader = try PcapReader(bytes: CaptureFileBytes.pcap(linkType: 1, [.init(timestamp: 0, frame: wrongVersion),
                                                                               .init(timestamp: 0, frame: shortIP)]))
        XCTAssertNil(try reader.next())
        XCTAssertEqual(reader.skippedCount, 2)
        XCTAssertTrue(reader.skippedFrames.allSatisfy { if case .malformedIP = $0.reason { return true } else { return false } })
    }

    func testUnsupportedLinkTypeIsRefusedByName() {
        XCTAssertThrowsError(try PcapReader(bytes: CaptureFileBytes.pcap(linkType: 147, []))) {
            XCTAssertTrue("\($0)".contains("link type 147"), "\($0)")
        }
    }

    func testGarbageAndEmptyInputsAreTypedErrors() {
        XCTAssertThrowsError(try PcapReader(bytes: []))
        XCTAssertThrowsError(try PcapReader(bytes: [1, 2, 3, 4, 5, 6, 7, 8]))
        XCTAssertThrowsError(try PcapReader(path: "/nonexistent/file.pcap")) {
            XCTAssertTrue("\($0)".contains("cannot open"), "\($0)")
        }
    }

    /// A record cut off by the end of the file is an error naming the frame.
    func testFileCutMidRecordNamesTheFrame() throws {
        let whole = CaptureFileBytes.pcap(linkType: 101, [.init(timestamp: 0, frame: ipv4), .init(timestamp: 1, frame: ipv4)])
        let reader = try PcapReader(bytes: Array(whole.dropLast(10)))
        XCTAssertNotNil(try reader.next())
        XCTAssertThrowsError(try reader.next()) { XCTAssertEqual(($0 as? PcapError)?.frame, 2, "\($0)") }
    }

    func testPcapngSingleLinkTypeTwoInterfaces() throws {
        let bytes = CaptureFileBytes.pcapng(interfaces: [1, 1], [(0, .init(timestamp: 10, frame: CaptureFileBytes.ethernet(ipv4))),
                                                                 (1, .init(timestamp: 20, frame: CaptureFileBytes.ethernet(ipv6)))])
        let packets = try PcapReader(bytes: bytes).readAll()
        XCTAssertEqual(packets, [CapturedPacket(frame: 1, timestamp: 10, bytes: ipv4), CapturedPacket(frame: 2, timestamp: 20, bytes: ipv6)])
    }

    /// libpcap reads one link type per file: a pcapng mixing them is refused, saying so.
    func testPcapngWithMixedLinkTypesIsRefusedClearly() throws {
        let bytes = CaptureFileBytes.pcapng(interfaces: [1, 101], [(0, .init(timestamp: 10, frame: CaptureFileBytes.ethernet(ipv4))),
                                                                   (1, .init(timestamp: 20, frame: ipv6))])
        let reader = try PcapReader(bytes: bytes)
        XCTAssertThrowsError(try reader.readAll()) {
            XCTAssertTrue("\($0)".contains("different link types"), "\($0)")
            XCTAssertTrue("\($0)".contains("one link type per file"), "\($0)")
        }
    }

    /// pcapng times are 64-bit; one past year 2262 cannot be Int64 nanoseconds: skipped, said why.
    func testTimestampBeyondInt64NanosecondsIsSkipped() throws {
        let bytes = CaptureFileBytes.pcapng(interfaces: [101], [(0, .init(timestamp: -1, frame: ipv4)), (0, .init(timestamp: 7, frame: ipv4))])
        let reader = try PcapReader(bytes: bytes)
        XCTAssertEqual(try reader.readAll(), [CapturedPacket(frame: 2, timestamp: 7, bytes: ipv4)])
        guard case .timestampOutOfRange = reader.skippedFrames.first?.reason else {
            return XCTFail("\(reader.skippedFrames)")
        }
    }
}
