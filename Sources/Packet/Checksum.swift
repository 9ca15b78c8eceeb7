import NetAddress

/// The Internet checksum (RFC 1071): the ones' complement of the ones' complement sum of
/// 16-bit big-endian words, with the pseudo-headers UDP (RFC 768, RFC 8200 §8.1), TCP and
/// ICMPv6 (RFC 4443 §2.3) prepend.
public enum InternetChecksum {
    /// Unfolded sum of the bytes in `range` as big-endian 16-bit words; an odd last byte is
    /// padded with a zero on the right, as RFC 1071 says.
    public static func sum(_ bytes: [UInt8], _ range: Range<Int>, initial: UInt64 = 0) -> UInt64 {
        bytes.withUnsafeBytes { raw in
            sum(UnsafeRawBufferPointer(rebasing: raw[range]), initial: initial)
        }
    }

    /// The same over raw memory. Adds 64-bit words with end-around carry (ones' complement
    /// addition, RFC 1071 §2(A)): the 16-bit ones' complement sum is that sum modulo 0xffff, and
    /// 2^16 ≡ 1 modulo 0xffff, so wider words fold to the same 16-bit result (RFC 1071 §2(C)).
    /// The 8-byte words are loaded in the host's byte order: the ones' complement sum of
    /// byte-swapped words is the byte-swapped sum (RFC 1071 §2(B)), so their folded sum is
    /// swapped once instead of every word. 64 bytes a step into four accumulators (so
    /// consecutive additions do not wait on each other), then the last whole words one at a time:
    /// an add and an add-with-carry per word, ~0.3 instructions a byte (32 bytes a step and the
    /// last 31 bytes as big-endian 4-byte words took ~0.45; docs/performance.md, session 13). The
    /// last 7 bytes or fewer are added as big-endian words.
    public static func sum(_ raw: UnsafeRawBufferPointer, initial: UInt64 = 0) -> UInt64 {
        var i = 0
        let n = raw.count
        var total = initial
        if n >= 8, let base = raw.baseAddress {
            @inline(__always) func word(_ offset: Int) -> UInt64 { base.loadUnaligned(fromByteOffset: offset, as: UInt64.self) }
            @inline(__always) func add(_ sum: inout UInt64, _ value: UInt64) {
                let (s, carry) = sum.addingReportingOverflow(value)
                sum = s &+ (carry ? 1 : 0)
            }
            var a: UInt64 = 0, b: UInt64 = 0, c: UInt64 = 0, d: UInt64 = 0
            while i <= n &- 64 {
                add(&a, word(i)); add(&b, word(i &+ 8)); add(&c, word(i &+ 16)); add(&d, word(i &+ 24))
                add(&a, word(i &+ 32)); add(&b, word(i &+ 40)); add(&c, word(i &+ 48)); add(&d, word(i &+ 56))
                i &+= 64
            }
            while i <= n &- 8 {
                add(&a, word(i))
                i &+= 8
            }
            // Each accumulator folded to 32 bits (the same value modulo 0xffff), so the sum of
            // the four cannot wrap; then folded to 16 bits and put in big-endian order.
            var native = (a & 0xffff_ffff) &+ (a >> 32) &+ (b & 0xffff_ffff) &+ (b >> 32)
                &+ (c & 0xffff_ffff) &+ (c >> 32) &+ (d & 0xffff_ffff) &+ (d >> 32)
            while native > 0xffff { native = (native & 0xffff) &+ (native >> 16) }
            add(&total, UInt64(UInt16(truncatingIfNeeded: native).bigEndian))
        }
        // Folded to 33 bits (the same value modulo 0xffff), so the plain additions below cannot
        // wrap.
        total = (total & 0xffff_ffff) &+ (total >> 32)
        while i + 4 <= n {
            total &+= UInt64(UInt32(bigEndian: raw.loadUnaligned(fromByteOffset: i, as: UInt32.self)))
            i += 4
        }
        if i + 2 <= n {
            total &+= UInt64(raw[i]) << 8 | UInt64(raw[i + 1])
            i += 2
        }
        if i < n { total &+= UInt64(raw[i]) << 8 }
        return total
    }

    /// Folds a sum to 16 bits and complements it: the value that goes in the checksum field.
    public static func finish(_ sum: UInt64) -> UInt16 {
        var s = sum
        s = (s & 0xffff_ffff) + (s >> 32)
        while s > 0xffff { s = (s & 0xffff) + (s >> 16) }
        return ~UInt16(s)
    }

    /// The checksum of `bytes[range]` with an optional pseudo-header sum folded in.
    public static func compute(_ bytes: [UInt8], _ range: Range<Int>, pseudoHeader: UInt64 = 0) -> UInt16 {
        finish(sum(bytes, range, initial: pseudoHeader))
    }

    /// True when a region that includes its own checksum field sums to all ones.
    public static func verifies(_ bytes: [UInt8], _ range: Range<Int>, pseudoHeader: UInt64 = 0) -> Bool {
        compute(bytes, range, pseudoHeader: pseudoHeader) == 0
    }

    /// Sum of the pseudo-header: source, destination, upper-layer length and protocol.
    /// IPv4 (RFC 768) and IPv6 (RFC 8200 §8.1) give the same sum for the same fields because
    /// ones' complement addition does not care how the words are laid out.
    public static func pseudoHeaderSum(source: IPAddress, destination: IPAddress,
                                       protocolNumber: UInt8, length: Int) -> UInt64 {
        var total = addressSum(source) &+ addressSum(destination)
        total &+= UInt64(protocolNumber)
        total &+= UInt64(UInt32(truncatingIfNeeded: length) >> 16) &+ UInt64(length & 0xffff)
        return total
    }

    private static func addressSum(_ address: IPAddress) -> UInt64 {
        switch address {
        case .v4(let a):
            return UInt64(a.value >> 16) &+ UInt64(a.value & 0xffff)
        case .v6(let a):
            // The eight 16-bit words, without an array of the two halves per call.
            var total: UInt64 = 0
            for k in stride(from: 48, through: 0, by: -16) {
                total &+= (a.high >> UInt64(k)) & 0xffff
                total &+= (a.low >> UInt64(k)) & 0xffff
            }
            return total
        }
    }
}
