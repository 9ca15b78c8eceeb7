import NetAddress
import Routing

/// The written form of the IPv4 addresses, prefixes, endpoints and receiver indices a decision
/// log repeats, kept by value: a hub's log names the same few hundred of each in line after line
/// (every peer's tunnel address, allowed-ips prefix, endpoint and session index), and copying 32
/// cached bytes costs a fraction of formatting the dotted quad and the port again
/// (docs/performance.md, session 10). IPv6 values are formatted each time (`ByteText`), as
/// before. One per log composer (one thread); the bytes written are exactly `ByteText`'s.
final class FieldTextCache {
    /// One value's text: `count` bytes (at most 32) in `text`, zero-padded; `count == 0` is empty.
    /// (48 bytes: 2,048 slots take 96 KiB.)
    private struct Slot {
        var key: UInt64 = 0
        var count = 0
        var text: (SIMD16<UInt8>, SIMD16<UInt8>) = (.zero, .zero)
    }

    /// Direct-mapped: a value whose slot another value took is formatted again (and takes it back).
    private static let slotBits = 11
    private static let slotCount = 1 << slotBits
    private let slots: UnsafeMutablePointer<Slot>
    /// Where a missing value is formatted before it is copied into its slot.
    private let formatted = ByteBuffer(capacity: 64)

    // What a key holds: the kind in the top byte (never 0, so no key is 0), the value below.
    private static let addressKind: UInt64 = 1 << 56
    private static let prefixKind: UInt64 = 2 << 56
    private static let endpointKind: UInt64 = 3 << 56
    private static let indexKind: UInt64 = 4 << 56
    private static let tsharkIndexKind: UInt64 = 5 << 56

    init() {
        slots = .allocate(capacity: Self.slotCount)
        slots.initialize(repeating: Slot(), count: Self.slotCount)
    }

    deinit {
        slots.deinitialize(count: Self.slotCount)
        slots.deallocate()
    }

    /// `ByteText.appendAddress`.
    @inline(__always)
    func appendAddress(_ address: IPAddress, to out: ByteBuffer) {
        if case .v4(let a) = address {
            append(key: Self.addressKind | UInt64(a.value), to: out)
        } else {
            ByteText.appendAddress(address, to: out)
        }
    }

    /// `ByteText.appendPrefix`.
    @inline(__always)
    func appendPrefix(_ prefix: IPPrefix, to out: ByteBuffer) {
        if case .v4(let a) = prefix.address, prefix.length >= 0 && prefix.length <= 32 {
            append(key: Self.prefixKind | UInt64(prefix.length) << 32 | UInt64(a.value), to: out)
        } else {
            ByteText.appendPrefix(prefix, to: out)
        }
    }

    /// `ByteText.appendEndpoint`.
    @inline(__always)
    func appendEndpoint(_ endpoint: Endpoint, to out: ByteBuffer) {
        if case .v4(let a) = endpoint.address {
            append(key: Self.endpointKind | UInt64(endpoint.port) << 32 | UInt64(a.value), to: out)
        } else {
            ByteText.appendEndpoint(endpoint, to: out)
        }
    }

    /// A receiver index in decimal (JSON); a session's index recurs in every packet under it.
    @inline(__always)
    func appendIndex(_ index: UInt32, to out: ByteBuffer) {
        append(key: Self.indexKind | UInt64(index), to: out)
    }

    /// A receiver index as tshark prints it (`DecisionLineComposer.appendIndexAsTshark`).
    @inline(__always)
    func appendIndexAsTshark(_ index: UInt32, to out: ByteBuffer) {
        append(key: Self.tsharkIndexKind | UInt64(index), to: out)
    }

    /// The key's text, from its slot (filled first if it holds another key): two 16-byte
    /// stores, counted by the text's length.
    @inline(__always)
    private func append(key: UInt64, to out: ByteBuffer) {
        let slot = slots + Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> UInt64(64 - Self.slotBits))
        if slot.pointee.key != key || slot.pointee.count == 0 { fill(slot, key: key) }
        out.reserve(32)
        let to = UnsafeMutableRawPointer(out.base + out.count)
        let text = slot.pointee.text
        to.storeBytes(of: text.0, as: SIMD16<UInt8>.self)
        to.storeBytes(of: text.1, toByteOffset: 16, as: SIMD16<UInt8>.self)
        out.advance(by: slot.pointee.count)
    }

    @inline(never)
    private func fill(_ slot: UnsafeMutablePointer<Slot>, key: UInt64) {
        formatted.removeAll()
        let value = UInt32(truncatingIfNeeded: key)
        let upper = Int(truncatingIfNeeded: (key >> 32) & 0xFF_FFFF)
        switch key & (0xFF << 56) {
        case Self.addressKind:
            ByteText.appendDottedQuad(value, to: formatted)
        case Self.prefixKind:
            ByteText.appendDottedQuad(value, to: formatted)
            formatted.append(0x2F)
            ByteText.appendUnsigned(UInt64(upper), to: formatted)
        case Self.endpointKind:
            ByteText.appendDottedQuad(value, to: formatted)
            formatted.append(0x3A)
            ByteText.appendUnsigned(UInt64(upper), to: formatted)
        case Self.indexKind:
            ByteText.appendUnsigned(UInt64(value), to: formatted)
        default:
            DecisionLineComposer.appendIndexAsTshark(value, to: formatted)
        }
        // The longest text, "255.255.255.255:65535", is 21 bytes.
        precondition(formatted.count > 0 && formatted.count <= 32, "an IPv4 field's text fits a slot")
        var text: (SIMD16<UInt8>, SIMD16<UInt8>) = (.zero, .zero)
        withUnsafeMutableBytes(of: &text) { raw in
            raw.baseAddress!.copyMemory(from: formatted.base, byteCount: formatted.count)
        }
        slot.pointee = Slot(key: key, count: formatted.count, text: text)
    }
}
