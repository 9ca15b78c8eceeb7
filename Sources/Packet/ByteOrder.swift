import NetAddress

// Big-endian (network order) field access on byte arrays. Callers check bounds first: every
// view type validates lengths in its `init(checking:)`, so these helpers never see a short array.
// The readers are inlinable so that `IPHeaderView`, read per packet in other modules, inlines.

@inlinable @inline(__always)
func readBE16(_ b: [UInt8], _ i: Int) -> UInt16 {
    UInt16(b[i]) << 8 | UInt16(b[i + 1])
}

@inlinable @inline(__always)
func readBE32(_ b: [UInt8], _ i: Int) -> UInt32 {
    UInt32(b[i]) << 24 | UInt32(b[i + 1]) << 16 | UInt32(b[i + 2]) << 8 | UInt32(b[i + 3])
}

@inlinable @inline(__always)
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

// Little-endian field access: WireGuard's message headers (indices and counters are
// little-endian on the wire [compat src/messages.h: `__le32 sender_index`, `__le64 counter`]),
// pcap and pcapng headers, and text written a machine word at a time. The one implementation
// every module uses; public and inlinable so a per-packet caller in another module pays no call.

/// The little-endian `UInt32` at `b[at]...b[at + 3]` (traps when out of bounds).
@inlinable @inline(__always)
public func readLE32(_ b: [UInt8], _ at: Int) -> UInt32 {
    UInt32(b[at]) | UInt32(b[at + 1]) << 8 | UInt32(b[at + 2]) << 16 | UInt32(b[at + 3]) << 24
}

/// The little-endian `UInt64` at `b[at]...b[at + 7]` (traps when out of bounds).
@inlinable @inline(__always)
public func readLE64(_ b: [UInt8], _ at: Int) -> UInt64 {
    UInt64(readLE32(b, at)) | UInt64(readLE32(b, at + 4)) << 32
}

/// Writes `v` little-endian into `b[at]...b[at + 3]`.
@inlinable @inline(__always)
public func writeLE32(_ v: UInt32, into b: inout [UInt8], at: Int) {
    for i in 0..<4 { b[at + i] = UInt8(truncatingIfNeeded: v >> (8 * UInt32(i))) }
}

/// Writes `v` little-endian into `b[at]...b[at + 7]`.
@inlinable @inline(__always)
public func writeLE64(_ v: UInt64, into b: inout [UInt8], at: Int) {
    for i in 0..<8 { b[at + i] = UInt8(truncatingIfNeeded: v >> (8 * UInt64(i))) }
}

/// The little-endian `UInt16` at `p + offset` (no alignment needed).
@inlinable @inline(__always)
public func loadLE16(_ p: UnsafeRawPointer, at offset: Int = 0) -> UInt16 {
    UInt16(littleEndian: p.loadUnaligned(fromByteOffset: offset, as: UInt16.self))
}

/// Stores `v` little-endian at `p + offset` (no alignment needed).
@inlinable @inline(__always)
public func storeLE16(_ v: UInt16, _ p: UnsafeMutableRawPointer, at offset: Int = 0) {
    p.storeBytes(of: v.littleEndian, toByteOffset: offset, as: UInt16.self)
}

/// Stores `v` little-endian at `p + offset` (no alignment needed).
@inlinable @inline(__always)
public func storeLE32(_ v: UInt32, _ p: UnsafeMutableRawPointer, at offset: Int = 0) {
    p.storeBytes(of: v.littleEndian, toByteOffset: offset, as: UInt32.self)
}

/// Stores `v` little-endian at `p + offset` (no alignment needed).
@inlinable @inline(__always)
public func storeLE64(_ v: UInt64, _ p: UnsafeMutableRawPointer, at offset: Int = 0) {
    p.storeBytes(of: v.littleEndian, toByteOffset: offset, as: UInt64.self)
}
