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
    /// The words of whole 32-byte blocks are loaded in the host's byte order: the ones'
    /// complement sum of byte-swapped words is the byte-swapped sum (RFC 1071 §2(B)), so their
    /// folded sum is swapped once instead of every word (four accumulators, so consecutive
    /// additions do not wait on each other; ~0.5 instructions a byte against ~0.7 with a swap per
    /// word, docs/performance.md, session 10). The rest is added as big-endian words.
    public static func sum(_ raw: UnsafeRawBufferPointer, initial: UInt64 = 0) -> UInt64 {
        var i = 0
        let n = raw.count
        var total = initial
        if n >= 32 {
            var a: UInt64 = 0, b: UInt64 = 0, c: UInt64 = 0, d: UInt64 = 0
            while i + 32 <= n {
                let (x, cx) = a.addingReportingOverflow(raw.loadUnaligned(fromByteOffset: i, as: UInt64.self))
                a = x &+ (cx ? 1 : 0)
                let (y, cy) = b.addingReportingOverflow(raw.loadUnaligned(fromByteOffset: i + 8, as: UInt64.self))
                b = y &+ (cy ? 1 : 0)
                let (z, cz) = c.addingReportingOverflow(raw.loadUnaligned(fromByteOffset: i + 16, as: UInt64.self))
                c = z &+ (cz ? 1 : 0)
                let (w, cw) = d.addingReportingOverflow(raw.loadUnaligned(fromByteOffset: i + 24, as: UInt64.self))
                d = w &+ (cw ? 1 : 0)
                i += 32
            }
            // Each accumulator folded to 32 bits (the same value modulo 0xffff), so the sum of
            // the four cannot wrap; then folded to 16 bits and put in big-endian order.
            var native = (a & 0xffff_ffff) &+ (a >> 32) &+ (b & 0xffff_ffff) &+ (b >> 32)
                &+ (c & 0xffff_ffff) &+ (c >> 32) &+ (d & 0xffff_ffff) &+ (d >> 32)
            while native > 0xffff { native = (native & 0xffff) &+ (native >> 16) }
            let (t, carry) = total.addingReportingOverflow(UInt64(UInt16(truncatingIfNeeded: native).bigEndian))
            total = t &+ (carry ? 1 : 0)
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
