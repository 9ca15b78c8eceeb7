import Packet

/// WireGuard key-log text embedded in a pcapng file's Decryption Secrets Blocks (block type 0x0A,
/// secrets type 0x57474b4c "WGKL"), which Wireshark reads as if from a key-log file
/// (pcapng spec §4.7; packet-wireguard.c registers `wg_keylog_process_lines` for that type).
/// Pure byte parsing: the CLI hands over the file's bytes.
public enum EmbeddedKeyLog {
    static let sectionHeaderType: UInt32 = 0x0A0D_0D0A
    static let byteOrderMagic: UInt32 = 0x1A2B_3C4D
    static let decryptionSecretsType: UInt32 = 0x0000_000A
    static let wireGuardSecretsType: UInt32 = 0x5747_4B4C

    /// Whether `bytes` start like a pcapng file.
    public static func isPcapng(_ bytes: [UInt8]) -> Bool {
        bytes.count >= 4 && read32(bytes, 0, littleEndian: true) == sectionHeaderType
    }

    /// The concatenated WireGuard secrets of every Decryption Secrets Block, in file order
    /// (empty if there are none, or if the file is not pcapng). Malformed blocks end the scan.
    public static func extract(fromPcapng bytes: [UInt8]) -> String {
        var text = ""
        var offset = 0
        var littleEndian = true
        while offset + 12 <= bytes.count {
            var type = read32(bytes, offset, littleEndian: littleEndian)
            if type == sectionHeaderType {
                // Each section states its byte order right after the length field.
                guard offset + 12 <= bytes.count else { break }
                littleEndian = read32(bytes, offset + 8, littleEndian: true) == byteOrderMagic
                type = sectionHeaderType
            }
            let length = Int(read32(bytes, offset + 4, littleEndian: littleEndian))
            guard length >= 12, length % 4 == 0, offset + length <= bytes.count else { break }
            if type == decryptionSecretsType, length >= 20,
               read32(bytes, offset + 8, littleEndian: littleEndian) == wireGuardSecretsType {
                let secretsLength = Int(read32(bytes, offset + 12, littleEndian: littleEndian))
                let start = offset + 16
                if secretsLength <= length - 20 {
                    text += String(decoding: bytes[start..<(start + secretsLength)], as: UTF8.self)
                    if !text.hasSuffix("\n") { text += "\n" }
                }
            }
            offset += length
        }
        return text
    }

    private static func read32(_ b: [UInt8], _ at: Int, littleEndian: Bool) -> UInt32 {
        let v = readLE32(b, at)
        return littleEndian ? v : v.byteSwapped
    }
}
