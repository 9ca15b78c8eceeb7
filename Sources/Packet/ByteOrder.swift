import NetAddress

// Big-endian (network order) field access on byte arrays. Callers check bounds first: every
// view type validates lengths in its `init(checking:)`, so these helpers never see a short array.

@inline(__always)
func readBE16(_ b: [UInt8], _ i: Int) -> UInt16 {
    UInt16(b[i]) << 8 | UInt16(b[i + 1])
}

@inline(__always)
func readBE32(_ b: [UInt8], _ i: Int) -> UInt32 {
    UInt32(b[i]) << 24 | UInt32(b[i + 1]) << 16 | UInt32(b[i + 2]) << 8 | UInt32(b[i + 3])
}

@inline(__always)
func readBE64(_ b: [UInt8], _ i: Int) -> UInt64 {
    UInt64(readBE32(b, i)) << 32 | UInt64(readBE32(b, i + 4))
}

@inline(__always)
func writeBE16(_ b: inout [UInt8], _ i: Int, _ v: UInt16) {
    b[i] = UInt8(v >> 8)
    b[i + 1] = UInt8(truncatingIfNeeded: v)
}

@inline(__always)
func writeBE32(_ b: inout [UInt8], _ i: Int, _ v: UInt32) {
    writeBE16(&b, i, UInt16(v >> 16))
    writeBE16(&b, i + 2, UInt16(truncatingIfNeeded: v))
}

func readIPv4Address(_ b: [UInt8], _ i: Int) -> IPv4Address {
    IPv4Address(readBE32(b, i))
}

func readIPv6Address(_ b: [UInt8], _ i: Int) -> IPv6Address {
    IPv6Address(high: readBE64(b, i), low: readBE64(b, i + 8))
}

func writeAddress(_ b: inout [UInt8], _ i: Int, _ a: IPv4Address) {
    writeBE32(&b, i, a.value)
}

func writeAddress(_ b: inout [UInt8], _ i: Int, _ a: IPv6Address) {
    for k in 0..<8 {
        b[i + k] = UInt8(truncatingIfNeeded: a.high >> UInt64(56 - 8 * k))
        b[i + 8 + k] = UInt8(truncatingIfNeeded: a.low >> UInt64(56 - 8 * k))
    }
}
