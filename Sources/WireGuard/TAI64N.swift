/// A TAI64N timestamp as WireGuard puts it in initiations: 8-byte big-endian seconds
/// `2^62 + 10 + unix seconds`, then 4-byte big-endian nanoseconds, with the kernel's whitening
/// of the nanoseconds down to a multiple of 2^24 [wireguard-behaviour.md §4.4;
/// compat src/noise.c `tai64n_now`]. Ordered bytewise, which is the order the replay check uses.
public struct TAI64N: Comparable, Hashable, Sendable, CustomStringConvertible {
    public static let length = 12
    /// `0x400000000000000a`: TAI64's 2^62 label plus the 10-second TAI−UTC offset the kernel uses.
    public static let secondsBase: UInt64 = 0x4000_0000_0000_000a
    /// Largest power of two not above 1e9 / INITIATIONS_PER_SECOND (50) = 16,777,216 ns.
    public static let whiteningUnit: UInt32 = 1 << 24

    public let bytes: [UInt8]

    /// The timestamp for `unixNanoseconds` (simulated wall time); `whiten: false` keeps the
    /// exact nanoseconds (the §7.5 vector uses that).
    public init(unixNanoseconds: Int64, whiten: Bool = true) {
        // Floor division, so times before 1970 still get nanoseconds in 0..<1e9.
        var (seconds, remainder) = unixNanoseconds.quotientAndRemainder(dividingBy: 1_000_000_000)
        if remainder < 0 { seconds -= 1; remainder += 1_000_000_000 }
        var nanos = UInt32(remainder)
        if whiten { nanos -= nanos % TAI64N.whiteningUnit }
        let label = TAI64N.secondsBase &+ UInt64(bitPattern: seconds)
        var b = [UInt8]()
        b.reserveCapacity(12)
        for shift in stride(from: 56, through: 0, by: -8) { b.append(UInt8(truncatingIfNeeded: label >> UInt64(shift))) }
        for shift in stride(from: 24, through: 0, by: -8) { b.append(UInt8(truncatingIfNeeded: nanos >> UInt32(shift))) }
        bytes = b
    }

    /// A timestamp read from a decrypted initiation.
    public init(bytes: [UInt8]) throws {
        guard bytes.count == TAI64N.length else {
            throw CryptoError.wrongLength(what: "TAI64N timestamp", expected: 12, actual: bytes.count)
        }
        self.bytes = bytes
    }

    /// The seconds field (TAI64 label).
    public var secondsLabel: UInt64 { bytes[0..<8].reduce(0) { $0 << 8 | UInt64($1) } }
    /// The nanoseconds field.
    public var nanoseconds: UInt32 { bytes[8..<12].reduce(0) { $0 << 8 | UInt32($1) } }

    public static func < (lhs: TAI64N, rhs: TAI64N) -> Bool { lhs.bytes.lexicographicallyPrecedes(rhs.bytes) }

    public var description: String { bytes.map { hex2($0) }.joined() }
}

func hex2(_ b: UInt8) -> String {
    let digits = Array("0123456789abcdef")
    return String([digits[Int(b >> 4)], digits[Int(b & 15)]])
}

/// Lowercase hex of a byte array (for messages, logs and tests).
func hexString(_ bytes: [UInt8]) -> String { bytes.map(hex2).joined() }
