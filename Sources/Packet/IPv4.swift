import NetAddress

/// A checked view over an IPv4 packet (RFC 791): after `init(checking:)` succeeds every header
/// field, the options and the payload can be read without further bounds checks.
///
/// Bytes after `totalLength` (Ethernet padding) are allowed and ignored, as Linux's `ip_rcv`
/// trims them (`pskb_trim_rcsum`).
public struct IPv4Packet {
    public let bytes: [UInt8]

    public static let minimumHeaderLength = 20

    /// Checks version, header length, total length and the option list; not the checksum
    /// (see `checksumIsValid`), because a caller may want to read a packet with a bad one.
    public init(checking bytes: [UInt8]) throws {
        let f = "IPv4"
        try WireError.checkFixedIPHeader(bytes, format: f, length: 20, version: 4)
        let ihl = Int(bytes[0] & 0x0f) * 4
        guard ihl >= 20 else {
            throw WireError(f, .malformed, at: 0, expected: "header length ≥ 5 words, got \(ihl / 4)")
        }
        guard bytes.count >= ihl else {
            throw WireError.truncated(f, at: bytes.count, need: ihl, have: bytes.count, what: "header with options")
        }
        let total = Int(readBE16(bytes, 2))
        guard total >= ihl else {
            throw WireError(f, .malformed, at: 2, expected: "total length ≥ header length \(ihl), got \(total)")
        }
        guard total <= bytes.count else {
            throw WireError.truncated(f, at: bytes.count, need: total, have: bytes.count, what: "total length")
        }
        try IPv4Packet.checkOptions(bytes, 20..<ihl)
        self.bytes = bytes
    }

    /// Walks the option list (RFC 791 §3.1): end-of-list and no-op are one byte; every other
    /// option is type, length (≥ 2, counting both), data, and must end inside the header.
    static func checkOptions(_ b: [UInt8], _ range: Range<Int>) throws {
        var i = range.lowerBound
        while i < range.upperBound {
            let type = b[i]
            if type == 0 { return }
            if type == 1 { i += 1; continue }
            guard i + 1 < range.upperBound else {
                throw WireError("IPv4", .truncated, at: i + 1, expected: "length byte of option type \(type)")
            }
            let length = Int(b[i + 1])
            guard length >= 2, i + length <= range.upperBound else {
                throw WireError("IPv4", .malformed, at: i + 1,
                                expected: "option length 2…\(range.upperBound - i), got \(length)")
            }
            i += length
        }
    }

    public var headerLength: Int { Int(bytes[0] & 0x0f) * 4 }
    public var tos: UInt8 { bytes[1] }
    public var totalLength: Int { Int(readBE16(bytes, 2)) }
    public var identification: UInt16 { readBE16(bytes, 4) }
    public var reservedFlag: Bool { bytes[6] & 0x80 != 0 }
    public var dontFragment: Bool { bytes[6] & 0x40 != 0 }
    public var moreFragments: Bool { bytes[6] & 0x20 != 0 }
    /// In 8-byte units, as on the wire.
    public var fragmentOffset: UInt16 { readBE16(bytes, 6) & 0x1fff }
    /// A fragment of a larger datagram (MF set or a non-zero offset); only the first fragment
    /// (offset 0) carries the upper-layer header.
    public var isFragment: Bool { moreFragments || fragmentOffset != 0 }
    public var ttl: UInt8 { bytes[8] }
    public var protocolNumber: UInt8 { bytes[9] }
    public var checksum: UInt16 { readBE16(bytes, 10) }
    public var source: IPv4Address { readIPv4Address(bytes, 12) }
    public var destination: IPv4Address { readIPv4Address(bytes, 16) }
    public var options: ArraySlice<UInt8> { bytes[20..<headerLength] }
    public var payloadRange: Range<Int> { headerLength..<totalLength }
    public var payload: [UInt8] { Array(bytes[payloadRange]) }

    /// The header checksum verifies (RFC 791: the sum over the header is all ones).
    public var checksumIsValid: Bool { InternetChecksum.verifies(bytes, 0..<headerLength) }

    /// What the checksum field should hold: the header summed with the field itself left out.
    public var correctChecksum: UInt16 {
        InternetChecksum.finish(InternetChecksum.sum(bytes, 0..<10) &+ InternetChecksum.sum(bytes, 12..<headerLength))
    }
}

/// The plain-value form of an IPv4 header: what `IPv4Packet` reads and `emit` writes back.
public struct IPv4Repr: Equatable, Sendable {
    public var tos: UInt8 = 0
    public var identification: UInt16 = 0
    public var reservedFlag = false
    public var dontFragment = false
    public var moreFragments = false
    /// In 8-byte units.
    public var fragmentOffset: UInt16 = 0
    public var ttl: UInt8 = 64
    public var protocolNumber: UInt8
    public var source: IPv4Address
    public var destination: IPv4Address
    /// Raw option bytes, a multiple of 4 long (padding included), at most 40.
    public var options: [UInt8] = []

    public init(source: IPv4Address, destination: IPv4Address, protocolNumber: UInt8, ttl: UInt8 = 64) {
        self.source = source
        self.destination = destination
        self.protocolNumber = protocolNumber
        self.ttl = ttl
    }

    /// Reads a header from a checked view; with `verifyChecksum` a bad header checksum throws.
    public init(_ packet: IPv4Packet, verifyChecksum: Bool = true) throws {
        if verifyChecksum && !packet.checksumIsValid {
            throw WireError("IPv4", .badChecksum, at: 10, expected: "header checksum 0x\(String(packet.correctChecksum, radix: 16)), got 0x\(String(packet.checksum, radix: 16))")
        }
        tos = packet.tos
        identification = packet.identification
        reservedFlag = packet.reservedFlag
        dontFragment = packet.dontFragment
        moreFragments = packet.moreFragments
        fragmentOffset = packet.fragmentOffset
        ttl = packet.ttl
        protocolNumber = packet.protocolNumber
        source = packet.source
        destination = packet.destination
        options = Array(packet.options)
    }

    /// Parses header and payload in one step.
    public static func parse(_ bytes: [UInt8], verifyChecksum: Bool = true) throws -> (IPv4Repr, payload: [UInt8]) {
        let packet = try IPv4Packet(checking: bytes)
        return (try IPv4Repr(packet, verifyChecksum: verifyChecksum), packet.payload)
    }

    public var headerLength: Int { 20 + options.count }

    /// Writes the header for a payload of `payloadLength` bytes at `offset`, checksum filled in.
    /// Options are padded with end-of-list bytes to a multiple of 4 and cut at 40 bytes.
    public func emitHeader(into b: inout [UInt8], at offset: Int, payloadLength: Int) {
        if options.isEmpty && offset >= 0 && offset + 20 <= b.count {
            emitPlainHeader(into: &b, at: offset, payloadLength: payloadLength)
            return
        }
        let opts = paddedOptions
        let ihl = 20 + opts.count
        b[offset] = 0x40 | UInt8(ihl / 4)
        b[offset + 1] = tos
        writeBE16(&b, offset + 2, UInt16(truncatingIfNeeded: ihl + payloadLength))
        writeBE16(&b, offset + 4, identification)
        var flags: UInt16 = fragmentOffset & 0x1fff
        if reservedFlag { flags |= 0x8000 }
        if dontFragment { flags |= 0x4000 }
        if moreFragments { flags |= 0x2000 }
        writeBE16(&b, offset + 6, flags)
        b[offset + 8] = ttl
        b[offset + 9] = protocolNumber
        b[offset + 10] = 0
        b[offset + 11] = 0
        writeAddress(&b, offset + 12, source)
        writeAddress(&b, offset + 16, destination)
        for (k, o) in opts.enumerated() { b[offset + 20 + k] = o }
        writeBE16(&b, offset + 10, InternetChecksum.compute(b, offset..<(offset + ihl)))
    }

    /// The 20-byte header without options (every header the simulator builds), written as five
    /// 32-bit words into memory checked once: the byte-by-byte path checked every store, about
    /// 300 instructions a header. Same bytes.
    private func emitPlainHeader(into b: inout [UInt8], at offset: Int, payloadLength: Int) {
        b.withUnsafeMutableBytes { raw in
            storePlainHeader(at: raw.baseAddress! + offset, payloadLength: payloadLength)
        }
    }

    /// The 20-byte header without options stored at `base` (20 writable bytes): the words of
    /// `emitPlainHeader`.
    func storePlainHeader(at base: UnsafeMutableRawPointer, payloadLength: Int) {
        var flags: UInt16 = fragmentOffset & 0x1fff
        if reservedFlag { flags |= 0x8000 }
        if dontFragment { flags |= 0x4000 }
        if moreFragments { flags |= 0x2000 }
        IPv4Repr.storePlainHeader(at: base, tos: tos, identification: identification, flags: flags, ttl: ttl,
                                  protocolNumber: protocolNumber, source: source, destination: destination,
                                  payloadLength: payloadLength)
    }

    /// The 20-byte header without options, from its fields (`flags`: the flags and fragment
    /// offset word), stored at `base` as five 32-bit words, checksum filled in. Also written
    /// straight into a capture's buffer without a `IPv4Repr` (`PacketBuilder.storeUDPHeaders`).
    @inline(__always)
    static func storePlainHeader(at base: UnsafeMutableRawPointer, tos: UInt8, identification: UInt16, flags: UInt16,
                                 ttl: UInt8, protocolNumber: UInt8, source: IPv4Address, destination: IPv4Address,
                                 payloadLength: Int) {
        let words: (UInt32, UInt32, UInt32, UInt32, UInt32) = (
            0x4500_0000 | UInt32(tos) << 16 | UInt32(UInt16(truncatingIfNeeded: 20 + payloadLength)),
            UInt32(identification) << 16 | UInt32(flags),
            UInt32(ttl) << 24 | UInt32(protocolNumber) << 16,
            source.value,
            destination.value)
        // Wider words fold to the same ones' complement sum (see `InternetChecksum.sum`).
        let sum = UInt64(words.0) &+ UInt64(words.1) &+ UInt64(words.2) &+ UInt64(words.3) &+ UInt64(words.4)
        let checksum = InternetChecksum.finish(sum)
        base.storeBytes(of: words.0.bigEndian, toByteOffset: 0, as: UInt32.self)
        base.storeBytes(of: words.1.bigEndian, toByteOffset: 4, as: UInt32.self)
        base.storeBytes(of: (words.2 | UInt32(checksum)).bigEndian, toByteOffset: 8, as: UInt32.self)
        base.storeBytes(of: words.3.bigEndian, toByteOffset: 12, as: UInt32.self)
        base.storeBytes(of: words.4.bigEndian, toByteOffset: 16, as: UInt32.self)
    }

    /// Header followed by `payload`.
    public func emit(payload: [UInt8]) -> [UInt8] {
        let ihl = 20 + paddedOptions.count
        var b = [UInt8](repeating: 0, count: ihl)
        emitHeader(into: &b, at: 0, payloadLength: payload.count)
        b.append(contentsOf: payload)
        return b
    }

    private var paddedOptions: [UInt8] {
        var o = Array(options.prefix(40))
        while o.count % 4 != 0 { o.append(0) }
        return o
    }
}
