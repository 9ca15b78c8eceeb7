/// New byte arrays of a known size, zeroed and then written in place by the caller.
///
/// `[UInt8](unsafeUninitializedCapacity:initializingWith:)` and `[UInt8](repeating:count:)` both
/// allocate through the standard library's unspecialised `_allocateBufferUninitialized`, which
/// looks up the array storage's generic metadata at run time on every call (about 400
/// instructions besides `malloc`, measured with callgrind). Copying from an `UnsafeBufferPointer`
/// goes through code the compiler specialises for `UInt8` instead, so an array made as a copy of
/// a shared region of zeros costs `malloc` and a `memcpy` of its size. The packet path makes four
/// or more such arrays per inner packet (docs/performance.md, "Byte arrays without the generic
/// allocation").
extension Array where Element == UInt8 {
    /// `count` zero bytes, then `body` writes into them (a pointer to the first of `count`
    /// initialised bytes; not called when `count` is 0 or less, which gives an empty array).
    public init(zeroedCount count: Int, writing body: (UnsafeMutablePointer<UInt8>) throws -> Void) rethrows {
        guard count > 0 else {
            self = []
            return
        }
        if count <= ZeroRegion.count {
            self = [UInt8](UnsafeBufferPointer(start: ZeroRegion.bytes, count: count))
        } else {
            self = [UInt8](repeating: 0, count: count)
        }
        try withUnsafeMutableBufferPointer { try body($0.baseAddress!) }
    }
}

/// A region of zero bytes that is never written, as large as any IP packet plus the transport
/// message's header and tag: the source new zeroed arrays are copied from.
private enum ZeroRegion {
    /// 64 KiB (the IP maximum) and room for a transport header, tag and padding.
    static let count = (1 << 16) + 256
    static let bytes: UnsafePointer<UInt8> = {
        let region = UnsafeMutablePointer<UInt8>.allocate(capacity: count)
        region.initialize(repeating: 0, count: count)
        return UnsafePointer(region)
    }()
}
