/// A key of the AllowedIPs trie: an address as an unsigned integer in numeric (big-endian) order,
/// so "bit k counted from the most significant end" is a shift. The kernel gets the same effect by
/// byte-swapping keys into native words [compat src/allowedips.c `swap_endian`], §1.2.
protocol TrieKey: Equatable {
    /// 32 for IPv4, 128 for IPv6.
    static var width: Int { get }
    /// The all-zero key.
    static var zeroKey: Self { get }
    /// How many leading bits the two keys share (`width` when equal); the kernel's `common_bits`.
    func commonPrefixLength(with other: Self) -> Int
    /// Bit number `index` (0 = most significant); `index` must be below `width`.
    func bit(_ index: Int) -> Int
    /// The key with every bit from `length` on cleared.
    func masked(to length: Int) -> Self
    /// `count` bits (0...32) starting at bit `offset`, as an integer; bits past `width` read as 0.
    func bits(at offset: Int, count: Int) -> Int
}

extension UInt32: TrieKey {
    static var width: Int { 32 }
    static var zeroKey: UInt32 { 0 }

    @inline(__always)
    func commonPrefixLength(with other: UInt32) -> Int { (self ^ other).leadingZeroBitCount }

    @inline(__always)
    func bit(_ index: Int) -> Int { Int(truncatingIfNeeded: (self &>> UInt32(31 - index)) & 1) }

    @inline(__always)
    func masked(to length: Int) -> UInt32 {
        // Smart shifts: `>> 32` is 0, so length 32 keeps everything and 0 clears everything.
        self & ~(UInt32.max >> length)
    }

    @inline(__always)
    func bits(at offset: Int, count: Int) -> Int {
        let window = (UInt64(self) &<< 32) << offset
        return Int(truncatingIfNeeded: window >> (64 - count))
    }
}

/// An IPv6 address as a trie key: two 64-bit halves, most significant first.
struct IPv6Key: TrieKey, Hashable {
    var high: UInt64
    var low: UInt64

    static var width: Int { 128 }
    static var zeroKey: IPv6Key { IPv6Key(high: 0, low: 0) }

    init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    init(_ address: IPv6Address) {
        high = address.high
        low = address.low
    }

    var address: IPv6Address { IPv6Address(high: high, low: low) }

    @inline(__always)
    func commonPrefixLength(with other: IPv6Key) -> Int {
        let top = high ^ other.high
        return top != 0 ? top.leadingZeroBitCount : 64 + (low ^ other.low).leadingZeroBitCount
    }

    @inline(__always)
    func bit(_ index: Int) -> Int {
        let half = index < 64 ? high : low
        return Int(truncatingIfNeeded: (half &>> UInt64(63 - (index & 63))) & 1)
    }

    @inline(__always)
    func masked(to length: Int) -> IPv6Key {
        if length <= 64 { return IPv6Key(high: high & ~(UInt64.max >> length), low: 0) }
        return IPv6Key(high: high, low: low & ~(UInt64.max >> (length - 64)))
    }

    @inline(__always)
    func bits(at offset: Int, count: Int) -> Int {
        // A 64-bit window starting at `offset`; smart shifts turn out-of-range shifts into 0.
        let window = offset < 64 ? (high << offset) | (low >> (64 - offset)) : low << (offset - 64)
        return Int(truncatingIfNeeded: window >> (64 - count))
    }
}
