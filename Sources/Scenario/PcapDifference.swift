import Foundation
import Packet
import Pcap
import Sim
import WireGuard

/// Explains how two pcap files differ: the first packet that differs, field by field (time,
/// outer addresses and ports, WireGuard message type, indices, counter, the inner packet), not
/// just "bytes differ".
enum PcapDifference {
    static func describe(output: String, golden: String, keyLog: String, goldenKeyLog: String) -> String {
        let out: [CapturedPacket], gold: [CapturedPacket]
        do {
            out = try PcapFile.packets(output)
            gold = try PcapFile.packets(golden)
        } catch {
            return "cannot read both captures to compare them: \(error)"
        }
        // Only underlay captures carry WireGuard messages; wg0 captures hold the plaintext.
        let underlay = !output.hasSuffix("-wg0.pcap")
        let decodedOut = underlay ? InnerPackets.decode(out, keyLogPath: keyLog) : out.map { _ in nil }
        let decodedGold = underlay ? InnerPackets.decode(gold, keyLogPath: goldenKeyLog) : gold.map { _ in nil }
        for i in 0..<max(out.count, gold.count) {
            let o = i < out.count ? out[i] : nil, g = i < gold.count ? gold[i] : nil
            if let o, let g, o.timestamp == g.timestamp, o.bytes == g.bytes { continue }
            let number = i + 1
            guard let o else { return "packet \(number): missing from the output (golden has \(gold.count) packets, output \(out.count))" }
            guard let g else { return "packet \(number): extra in the output (golden has \(gold.count) packets, output \(out.count))" }
            let fo = PacketFields.of(o, decoded: decodedOut[i], underlay: underlay)
            let fg = PacketFields.of(g, decoded: decodedGold[i], underlay: underlay)
            var lines = ["packet \(number) differs (golden has \(gold.count) packets, output \(out.count)):"]
            for (name, golden) in fg {
                let produced = fo.first { $0.0 == name }?.1 ?? "—"
                let mark = produced == golden ? "  " : "≠ "
                lines.append("  \(mark)\(name): golden \(golden)" + (produced == golden ? "" : ", output \(produced)"))
            }
            for (name, produced) in fo where !fg.contains(where: { $0.0 == name }) {
                lines.append("  ≠ \(name): golden —, output \(produced)")
            }
            if fo.map({ $0.1 }) == fg.map({ $0.1 }) { lines.append("  (every field above is equal; the bytes differ elsewhere, e.g. in ciphertext or padding)") }
            return lines.joined(separator: "\n")
        }
        return "bytes differ though every packet is equal (file header?)"
    }
}

/// The named fields of one captured packet, in a fixed order, for side-by-side comparison.
enum PacketFields {
    static func of(_ packet: CapturedPacket, decoded: DecodedMessage?, underlay: Bool) -> [(String, String)] {
        var fields: [(String, String)] = [("time", TimeText.seconds(packet.timestamp)), ("length", "\(packet.bytes.count)")]
        guard let ip = try? IPPacketSummary(parsing: packet.bytes) else {
            fields.append(("ip", "unparseable"))
            return fields
        }
        fields.append(("addresses", "\(ip.source) → \(ip.destination)"))
        fields.append(("protocol", IPProtocol.name(ip.protocolNumber)))
        guard ip.protocolNumber == 17, let udp = UDPPayload.of(packet.bytes) else { return fields }
        fields.append(("ports", "\(udp.sourcePort) → \(udp.destinationPort)"))
        let p = udp.payload
        guard underlay, p.count >= 4, p[1] == 0, p[2] == 0, p[3] == 0 else { return fields }
        func le32(_ at: Int) -> UInt32 { p.count >= at + 4 ? readLE32(p, at) : 0 }
        guard let type = MessageType(rawValue: p[0]) else { return fields }
        let name: String, indexes: [(label: String, offset: Int)]
        switch type {
        case .initiation: (name, indexes) = ("handshake initiation", [("sender index", 4)])
        case .response: (name, indexes) = ("handshake response", [("sender index", 4), ("receiver index", 8)])
        case .cookieReply: (name, indexes) = ("cookie reply", [("receiver index", 4)])
        case .transport: (name, indexes) = ("transport data", [("receiver index", 4)])
        }
        fields.append(("message", name))
        for index in indexes { fields.append((index.label, hex32(le32(index.offset)))) }
        guard type == .transport else { return fields }
        let counter = UInt64(le32(8)) | UInt64(le32(12)) << 32
        fields.append(("counter", "\(counter)"))
        if let decoded, decoded.valid {
            fields.append(("inner packet", decoded.inner.map { "\($0.source) → \($0.destination) \(IPProtocol.name($0.protocolNumber)) \($0.length) bytes" }
                           ?? (decoded.keepalive ? "keepalive (empty)" : "decrypted, not IP")))
        } else {
            fields.append(("inner packet", "not decrypted: \(decoded?.note ?? "no key for it in wireguard.keys")"))
        }
        return fields
    }

    /// An inner packet in a line: `192.168.0.1 → 192.168.32.19 icmp 84 bytes`.
    static func summary(_ bytes: [UInt8]) -> String {
        guard let ip = try? IPPacketSummary(parsing: bytes) else { return bytes.isEmpty ? "keepalive (empty)" : "\(bytes.count) bytes, not IP" }
        return "\(ip.source) → \(ip.destination) \(IPProtocol.name(ip.protocolNumber)) \(ip.totalLength) bytes"
    }
}

/// The UDP header and payload of an IPv4 or IPv6 packet (no IPv6 extension headers: the outer
/// datagrams the simulator writes have none).
struct UDPPayload {
    let sourcePort: UInt16
    let destinationPort: UInt16
    let payload: [UInt8]

    static func of(_ bytes: [UInt8]) -> UDPPayload? {
        guard let first = bytes.first else { return nil }
        let headerLength: Int
        switch first >> 4 {
        case 4: headerLength = Int(first & 0x0f) * 4
        case 6: headerLength = 40
        default: return nil
        }
        guard bytes.count >= headerLength + 8 else { return nil }
        let sp = UInt16(bytes[headerLength]) << 8 | UInt16(bytes[headerLength + 1])
        let dp = UInt16(bytes[headerLength + 2]) << 8 | UInt16(bytes[headerLength + 3])
        return UDPPayload(sourcePort: sp, destinationPort: dp, payload: Array(bytes[(headerLength + 8)...]))
    }
}

/// Decrypts a capture's WireGuard messages with a key log, as Wireshark would, so a pcap
/// difference can name the inner packet a transport message carried.
enum InnerPackets {
    /// One entry per packet (nil where the packet is not WireGuard).
    static func decode(_ packets: [CapturedPacket], keyLogPath: String) -> [DecodedMessage?] {
        let text = FileManager.default.contents(atPath: keyLogPath).map { String(decoding: $0, as: UTF8.self) } ?? ""
        let decoder = CaptureDecoder(keyLog: KeyLog(parsing: text))
        return packets.map { decoder.decode(frame: $0.frame, ipPacket: $0.bytes) }
    }
}
