/// Why bytes could not be read as a packet: which format, at which byte, and what was expected.
///
/// Every parser in this module throws this instead of trapping, so a caller can print
/// "IPv4 truncated at byte 12: expected 20-byte header, got 12 bytes" for a bad trace frame.
public struct WireError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The broad class of problem, for callers that branch on it.
    public enum Kind: String, Sendable {
        /// Fewer bytes than the format needs.
        case truncated
        /// A field holds a value the format does not allow.
        case malformed
        /// The checksum does not verify.
        case badChecksum = "bad checksum"
        /// Well-formed, but not something this layer handles (e.g. an unknown IP version).
        case unsupported
    }

    /// "IPv4", "IPv6", "UDP", "ICMP", "ICMPv6", "Ethernet", ...
    public let format: String
    public let kind: Kind
    /// Byte offset, counted from the start of the bytes handed to the outermost parser.
    public let offset: Int
    /// What the parser expected to find at `offset`.
    public let expected: String

    public init(_ format: String, _ kind: Kind, at offset: Int, expected: String) {
        self.format = format
        self.kind = kind
        self.offset = offset
        self.expected = expected
    }

    /// The same error seen from an enclosing buffer in which this one starts at `base`.
    public func shifted(by base: Int) -> WireError {
        WireError(format, kind, at: offset + base, expected: expected)
    }

    public var description: String { "\(format) \(kind.rawValue) at byte \(offset): expected \(expected)" }

    static func truncated(_ format: String, at offset: Int, need: Int, have: Int, what: String) -> WireError {
        WireError(format, .truncated, at: offset, expected: "\(what) (\(need) bytes), got \(max(have, 0))")
    }

    /// The checks both IP versions start with: a whole fixed header of `length` bytes, and
    /// `version` in the first byte's high nibble (RFC 791 §3.1, RFC 8200 §3).
    @inline(__always)
    static func checkFixedIPHeader(_ bytes: [UInt8], format: String, length: Int, version: UInt8) throws {
        guard bytes.count >= length else {
            throw truncated(format, at: bytes.count, need: length, have: bytes.count, what: "a fixed header")
        }
        guard bytes[0] >> 4 == version else {
            throw WireError(format, .malformed, at: 0, expected: "version \(version) in the high nibble, got \(bytes[0] >> 4)")
        }
    }
}
