/// Standard base64 (RFC 4648 alphabet, `=` padding) for keys and key logs. Decoding is strict:
/// the length must be a multiple of 4, only alphabet characters, padding only at the end, and
/// the unused bits of the last character zero — so one key has exactly one text form, as with
/// `wg`'s `key_from_base64`.
enum Base64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    static func encode(_ bytes: [UInt8]) -> String {
        var out = [UInt8]()
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var i = 0
        while i < bytes.count {
            let b0 = UInt32(bytes[i])
            let b1 = i + 1 < bytes.count ? UInt32(bytes[i + 1]) : 0
            let b2 = i + 2 < bytes.count ? UInt32(bytes[i + 2]) : 0
            let word = b0 << 16 | b1 << 8 | b2
            out.append(alphabet[Int(word >> 18 & 63)])
            out.append(alphabet[Int(word >> 12 & 63)])
            out.append(i + 1 < bytes.count ? alphabet[Int(word >> 6 & 63)] : UInt8(ascii: "="))
            out.append(i + 2 < bytes.count ? alphabet[Int(word & 63)] : UInt8(ascii: "="))
            i += 3
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The 6-bit value of one alphabet character, nil outside the alphabet.
    static func value(_ c: UInt8) -> UInt32? {
        switch c {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): return UInt32(c - UInt8(ascii: "A"))
        case UInt8(ascii: "a")...UInt8(ascii: "z"): return UInt32(c - UInt8(ascii: "a") + 26)
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return UInt32(c - UInt8(ascii: "0") + 52)
        case UInt8(ascii: "+"): return 62
        case UInt8(ascii: "/"): return 63
        default: return nil
        }
    }

    /// The decoded bytes, or nil if `text` is not canonical base64.
    static func decode(_ text: Substring) -> [UInt8]? {
        let chars = Array(text.utf8)
        guard chars.count % 4 == 0 else { return nil }
        var out = [UInt8]()
        out.reserveCapacity(chars.count / 4 * 3)
        var i = 0
        while i < chars.count {
            let isLast = i + 4 == chars.count
            let pad = isLast ? (chars[i + 3] == UInt8(ascii: "=") ? (chars[i + 2] == UInt8(ascii: "=") ? 2 : 1) : 0) : 0
            var word: UInt32 = 0
            for j in 0..<4 {
                if j >= 4 - pad { word <<= 6; continue }
                guard let v = value(chars[i + j]) else { return nil }
                word = word << 6 | v
            }
            let produced = 3 - pad
            // Non-canonical: bits below the last kept byte must be zero.
            if pad > 0 && word & ((1 << (8 * UInt32(pad))) - 1) != 0 { return nil }
            for k in 0..<produced { out.append(UInt8(truncatingIfNeeded: word >> (16 - 8 * UInt32(k)))) }
            i += 4
        }
        return out
    }
}
