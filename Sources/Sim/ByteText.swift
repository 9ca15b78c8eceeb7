import Routing

/// Text written straight into byte buffers: decimal integers, dotted quads, prefixes, endpoints,
/// JSON strings (RFC 8259 escaping). The decision log is the largest output of a long run, so
/// these avoid building a String per field.
enum ByteText {
    @inline(__always)
    static func append(_ text: String, to out: inout [UInt8]) {
        out.append(contentsOf: text.utf8)
    }

    static func appendInteger<I: BinaryInteger>(_ value: I, to out: inout [UInt8]) {
        if value < 0 {
            out.append(0x2D)
            appendUnsigned(UInt64(value.magnitude), to: &out)
        } else {
            appendUnsigned(UInt64(value), to: &out)
        }
    }

    static func appendUnsigned(_ value: UInt64, to out: inout [UInt8]) {
        if value < 10 {
            out.append(0x30 &+ UInt8(truncatingIfNeeded: value))
            return
        }
        // Digits fill a 24-byte scratch from its end, two at a time, then go out in one append.
        var scratch: (UInt64, UInt64, UInt64) = (0, 0, 0)
        withUnsafeMutableBytes(of: &scratch) { buffer in
            var position = 24
            var rest = value
            while rest >= 100 {
                let pair = Int(rest % 100)
                rest /= 100
                position -= 2
                buffer[position] = Self.digitPairs[pair * 2]
                buffer[position + 1] = Self.digitPairs[pair * 2 + 1]
            }
            if rest >= 10 {
                position -= 2
                buffer[position] = Self.digitPairs[Int(rest) * 2]
                buffer[position + 1] = Self.digitPairs[Int(rest) * 2 + 1]
            } else {
                position -= 1
                buffer[position] = 0x30 &+ UInt8(truncatingIfNeeded: rest)
            }
            out.append(contentsOf: UnsafeRawBufferPointer(rebasing: buffer[position..<24]))
        }
    }

    /// "000102…9899": the two ASCII digits of every number below 100.
    private static let digitPairs: [UInt8] = {
        var table: [UInt8] = []
        for n in 0..<100 {
            let tens = UInt8(n / 10), ones = UInt8(n % 10)
            table.append(0x30 + tens)
            table.append(0x30 + ones)
        }
        return table
    }()

    /// `s.nnnnnnnnn` for nanoseconds.
    static func appendSeconds(_ t: Int64, to out: inout [UInt8]) {
        if t < 0 { out.append(0x2D) }
        let magnitude = t.magnitude
        appendUnsigned(UInt64(magnitude / 1_000_000_000), to: &out)
        out.append(0x2E)
        var fraction = UInt64(magnitude % 1_000_000_000)
        var digits = [UInt8](repeating: 0x30, count: 9)
        var i = 8
        while fraction > 0 {
            digits[i] = 0x30 + UInt8(fraction % 10)
            fraction /= 10
            i -= 1
        }
        out.append(contentsOf: digits)
    }

    static func appendAddress(_ address: IPAddress, to out: inout [UInt8]) {
        switch address {
        case .v4(let a):
            appendUnsigned(UInt64(a.value >> 24), to: &out); out.append(0x2E)
            appendUnsigned(UInt64((a.value >> 16) & 0xff), to: &out); out.append(0x2E)
            appendUnsigned(UInt64((a.value >> 8) & 0xff), to: &out); out.append(0x2E)
            appendUnsigned(UInt64(a.value & 0xff), to: &out)
        case .v6(let a):
            append(a.description, to: &out)
        }
    }

    static func appendPrefix(_ prefix: IPPrefix, to out: inout [UInt8]) {
        appendAddress(prefix.address, to: &out)
        out.append(0x2F)
        appendUnsigned(UInt64(prefix.length), to: &out)
    }

    /// `1.2.3.4:51820` or `[2001:db8::1]:51820`.
    static func appendEndpoint(_ endpoint: Endpoint, to out: inout [UInt8]) {
        if endpoint.address.isIPv4 {
            appendAddress(endpoint.address, to: &out)
        } else {
            out.append(0x5B); appendAddress(endpoint.address, to: &out); out.append(0x5D)
        }
        out.append(0x3A)
        appendUnsigned(UInt64(endpoint.port), to: &out)
    }

    /// A quoted JSON string: `"`, `\` and control characters escaped; other UTF-8 bytes as is.
    static func appendJSONString(_ text: String, to out: inout [UInt8]) {
        out.append(0x22)
        let utf8 = text.utf8
        if !utf8.contains(where: { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C }) {
            out.append(contentsOf: utf8)
            out.append(0x22)
            return
        }
        for byte in utf8 {
            switch byte {
            case 0x22: out.append(0x5C); out.append(0x22)
            case 0x5C: out.append(0x5C); out.append(0x5C)
            case 0x0A: out.append(0x5C); out.append(0x6E)
            case 0x0D: out.append(0x5C); out.append(0x72)
            case 0x09: out.append(0x5C); out.append(0x74)
            case 0..<0x20:
                let hex: [UInt8] = Array("0123456789abcdef".utf8)
                out.append(contentsOf: [0x5C, 0x75, 0x30, 0x30, hex[Int(byte >> 4)], hex[Int(byte & 0xf)]])
            default:
                out.append(byte)
            }
        }
        out.append(0x22)
    }
}
