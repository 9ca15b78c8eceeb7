import Routing
import Sim

/// A quick reader for the one shape nearly every address in a large scenario has: a canonical
/// dotted quad (`10.0.0.2`), optionally with a short prefix length (`10.0.0.2/32`). Reading it
/// byte by byte skips the general parsers' Character-level work, which dominated loading a
/// generated 100k-peer hub. It accepts only text the general parsers accept with the same value
/// (four parts of 1–3 digits, no leading zero, each ≤ 255; a length of 1–2 digits without a
/// leading zero, ≤ 32) and answers nil for anything else, so callers fall back to the general
/// parser and every error message stays the one it gives.
enum DottedQuadFastPath {
    /// The address and, when a `/` follows, the length; nil when the text is not that simple shape.
    static func read(_ text: String) -> (address: UInt32, length: Int?)? {
        var text = text
        return text.withUTF8 { bytes -> (UInt32, Int?)? in
            var value: UInt32 = 0
            var index = 0
            for part in 0..<4 {
                guard let (n, next) = number(bytes, from: index, maxDigits: 3), n <= 255 else { return nil }
                value = value << 8 | UInt32(n)
                index = next
                if part < 3 {
                    guard index < bytes.count, bytes[index] == UInt8(ascii: ".") else { return nil }
                    index += 1
                }
            }
            if index == bytes.count { return (value, nil) }
            guard bytes[index] == UInt8(ascii: "/"),
                  let (length, end) = number(bytes, from: index + 1, maxDigits: 2),
                  end == bytes.count, length <= 32 else { return nil }
            return (value, length)
        }
    }

    /// A decimal number of 1...maxDigits digits without a leading zero, and the index after it.
    private static func number(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, maxDigits: Int) -> (Int, Int)? {
        var n = 0
        var index = start
        while index < bytes.count, index - start < maxDigits + 1, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9") {
            n = n * 10 + Int(bytes[index] - UInt8(ascii: "0"))
            index += 1
        }
        let digits = index - start
        guard digits >= 1, digits <= maxDigits, !(digits > 1 && bytes[start] == UInt8(ascii: "0")) else { return nil }
        return (n, index)
    }

    /// A bare IPv4 address, or nil (then the general parser decides).
    static func address(_ text: String) -> IPAddress? {
        guard let (v, length) = read(text), length == nil else { return nil }
        return .v4(IPv4Address(v))
    }

    /// An allowed-IPs prefix (host bits masked, as `IPPrefix(parsing:)` does), or nil.
    static func prefix(_ text: String) -> IPPrefix? {
        guard let (v, length) = read(text) else { return nil }
        return try? IPPrefix(address: .v4(IPv4Address(v)), length: length ?? 32)
    }

    /// An interface address (host bits kept), or nil.
    static func interfaceAddress(_ text: String) -> InterfaceAddress? {
        guard let (v, length) = read(text) else { return nil }
        return try? InterfaceAddress(address: .v4(IPv4Address(v)), prefixLength: length ?? 32)
    }
}
