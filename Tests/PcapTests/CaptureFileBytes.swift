import Packet

/// Builds capture files byte by byte, independently of PcapWriter, so the reader is tested
/// against every link type, both byte orders, µs and ns magic, and pcapng, as other tools
/// write them (formats: tcpdump.org pcap-savefile(5), draft-ietf-opsawg-pcapng).
enum CaptureFileBytes {
    struct Record {
        var timestamp: Int64
        var frame: [UInt8]
        /// On-the-wire length when it differs from the captured bytes (a truncated capture).
        var originalLength: Int? = nil
    }

    static func pcap(linkType: UInt32, _ records: [Record], bigEndian: Bool = false, nanosecond: Bool = true) -> [UInt8] {
        var out: [UInt8] = []
        func put32(_ v: UInt32) { out += bigEndian ? be32(v) : le32(v) }
        func put16(_ v: UInt16) { out += bigEndian ? [UInt8(v >> 8), UInt8(v & 0xff)] : [UInt8(v & 0xff), UInt8(v >> 8)] }
        put32(nanosecond ? 0xa1b2_3c4d : 0xa1b2_c3d4)
        put16(2); put16(4); put32(0); put32(0); put32(65535); put32(linkType)
        for r in records {
            let seconds = r.timestamp / 1_000_000_000, fraction = r.timestamp % 1_000_000_000
            put32(UInt32(seconds))
            put32(UInt32(nanosecond ? fraction : fraction / 1000))
            put32(UInt32(r.frame.count))
            put32(UInt32(r.originalLength ?? r.frame.count))
            out += r.frame
        }
        return out
    }

    /// A little-endian pcapng: one section, one IDB per entry of `interfaces` (link types, with
    /// if_tsresol = 9 so timestamps are ns), then one EPB per packet.
    static func pcapng(interfaces: [UInt16], _ packets: [(interface: Int, record: Record)]) -> [UInt8] {
        var out = block(type: 0x0a0d_0d0a, body: le32(0x1a2b_3c4d) + [1, 0, 0, 0] + [UInt8](repeating: 0xff, count: 8))
        for link in interfaces {
            let tsresol: [UInt8] = [9, 0, 1, 0, 9, 0, 0, 0]     // option 9, length 1, value 9, pad
            let end: [UInt8] = [0, 0, 0, 0]
            out += block(type: 1, body: [UInt8(link & 0xff), UInt8(link >> 8), 0, 0] + le32(65535) + tsresol + end)
        }
        for (interface, r) in packets {
            let ts = UInt64(bitPattern: r.timestamp)   // -1 gives the largest 64-bit time
            var body = le32(UInt32(interface)) + le32(UInt32(ts >> 32)) + le32(UInt32(ts & 0xffff_ffff))
            body += le32(UInt32(r.frame.count)) + le32(UInt32(r.originalLength ?? r.frame.count)) + r.frame
            while body.count % 4 != 0 { body.append(0) }
            out += block(type: 6, body: body)
        }
        return out
    }

    private static func block(type: UInt32, body: [UInt8]) -> [UInt8] {
        let length = UInt32(12 + body.count)
        return le32(type) + le32(length) + body + le32(length)
    }

    static func le32(_ v: UInt32) -> [UInt8] { [0, 8, 16, 24].map { UInt8(truncatingIfNeeded: v >> $0) } }
    static func be32(_ v: UInt32) -> [UInt8] { [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: v >> $0) } }
    static func be16(_ v: UInt16) -> [UInt8] { [UInt8(v >> 8), UInt8(v & 0xff)] }

    // MARK: link-layer framings around an IP packet

    static func etherType(_ ip: [UInt8]) -> UInt16 { ip.first.map { $0 >> 4 } == 6 ? 0x86dd : 0x0800 }

    static func ethernet(_ ip: [UInt8], tags: [UInt16] = [], etherType explicitType: UInt16? = nil) -> [UInt8] {
        var f: [UInt8] = [0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1]
        for (k, tpid) in tags.enumerated() { f += be16(tpid) + be16(UInt16(100 + k)) }
        return f + be16(explicitType ?? etherType(ip)) + ip
    }

    static func bsdLoopback(_ ip: [UInt8], family: UInt32, networkOrder: Bool) -> [UInt8] {
        (networkOrder ? be32(family) : le32(family)) + ip
    }

    static func linuxSLL(_ ip: [UInt8]) -> [UInt8] {
        be16(0) + be16(1) + be16(6) + [0x02, 0, 0, 0, 0, 1, 0, 0] + be16(etherType(ip)) + ip
    }

    static func linuxSLL2(_ ip: [UInt8]) -> [UInt8] {
        be16(etherType(ip)) + be16(0) + be32(3) + be16(1) + [0, 6] + [0x02, 0, 0, 0, 0, 1, 0, 0] + ip
    }
}
