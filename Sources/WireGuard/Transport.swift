import Packet

/// Why a transport data message was not opened.
public enum TransportError: Error, Equatable, CustomStringConvertible {
    case malformed(MessageError)
    /// Wrong key, wrong counter or altered bytes: the kernel drops these silently (§3.1 step 3).
    case authenticationFailed
    /// A sealing key that is not 32 bytes.
    case keyLength(Int)
    /// `sealInPlace` was given a buffer shorter than the header plus the plaintext it names.
    case bufferTooShort(needed: Int, have: Int)

    public var description: String {
        switch self {
        case .malformed(let e): return "malformed transport message: \(e)"
        case .authenticationFailed: return "transport message does not authenticate"
        case .keyLength(let n): return "a transport key is 32 bytes, not \(n)"
        case .bufferTooShort(let needed, let have): return "buffer holds \(have) bytes, sealing needs \(needed)"
        }
    }
}

/// Sealing and opening type-4 transport messages. The only allocation is growing the caller's
/// output buffer when its capacity is too small, so a reused buffer makes the path
/// allocation-free [wireguard-behaviour.md §2 steps 7 and 10, §3.1].
public enum Transport {
    /// Padding multiple (MESSAGE_PADDING_MULTIPLE).
    public static let paddingMultiple = 16

    /// Padded plaintext length for an `length`-byte packet with MTU `mtu` (§2 step 7, kernel
    /// `calculate_skb_padding`): `mtu == 0` pads to a multiple of 16; otherwise the last
    /// MTU-sized unit is padded to a multiple of 16 but not beyond the MTU.
    public static func paddedLength(_ length: Int, mtu: Int) -> Int {
        let length = max(0, length)
        func roundUp(_ n: Int) -> Int { (n + paddingMultiple - 1) / paddingMultiple * paddingMultiple }
        guard mtu > 0 else { return roundUp(length) }
        let lastUnit = length > mtu ? length % mtu : length
        let padded = min(mtu, roundUp(lastUnit))
        return length + (padded - lastUnit)
    }

    /// Size of the message that seals `plaintextLength` bytes.
    @inline(__always) public static func messageLength(plaintextLength: Int) -> Int {
        TransportHeader.length + plaintextLength + AEAD.tagLength
    }

    /// Writes the type-4 message for `plaintext` (already padded) into `out`, resized to exactly
    /// 16 + plaintext + 16 bytes. `key` must be a 32-byte transport key.
    public static func seal(plaintext: [UInt8], key: [UInt8], receiverIndex: UInt32, counter: UInt64,
                            into out: inout [UInt8]) throws {
        guard key.count == AEAD.keyLength else { throw TransportError.keyLength(key.count) }
        ensureSodium()
        resize(&out, to: messageLength(plaintextLength: plaintext.count))
        out.withUnsafeMutableBufferPointer { o in
            guard let base = o.baseAddress else { return }
            writeHeader(base, receiverIndex: receiverIndex, counter: counter)
            plaintext.withUnsafeBufferPointer { p in
                key.withUnsafeBufferPointer { k in
                    AEAD.seal(key: k.baseAddress!, counter: counter, plaintext: p.baseAddress, length: p.count,
                              ad: nil, adLength: 0, output: base + TransportHeader.length)
                }
            }
        }
    }

    /// The whole send step for one inner packet: writes the header, copies `packet` behind it,
    /// appends the zero padding of §2 step 7 for `mtu`, and seals — into `out`, resized to the
    /// message length. One copy and no allocation when `out` has the capacity.
    public static func seal(packet: [UInt8], mtu: Int, key: [UInt8], receiverIndex: UInt32, counter: UInt64,
                            into out: inout [UInt8]) throws {
        guard key.count == AEAD.keyLength else { throw TransportError.keyLength(key.count) }
        ensureSodium()
        let padded = paddedLength(packet.count, mtu: mtu)
        resize(&out, to: messageLength(plaintextLength: padded))
        out.withUnsafeMutableBufferPointer { o in
            guard let base = o.baseAddress else { return }
            writeHeader(base, receiverIndex: receiverIndex, counter: counter)
            let body = base + TransportHeader.length
            packet.withUnsafeBufferPointer { p in
                if let source = p.baseAddress { body.update(from: source, count: p.count) }
            }
            (body + packet.count).update(repeating: 0, count: padded - packet.count)
            key.withUnsafeBufferPointer { k in
                AEAD.seal(key: k.baseAddress!, counter: counter, plaintext: body, length: padded,
                          ad: nil, adLength: 0, output: body)
            }
        }
    }

    /// Seals in place: `buffer[16 ..< 16 + plaintextLength]` holds the padded plaintext; on return
    /// the buffer is the whole message (header written, tag appended). Saves the plaintext copy.
    public static func sealInPlace<Key: TransportKeyBytes>(_ buffer: inout [UInt8], plaintextLength: Int, key: Key,
                                                           receiverIndex: UInt32, counter: UInt64) throws {
        guard key.keyByteCount == AEAD.keyLength else { throw TransportError.keyLength(key.keyByteCount) }
        guard plaintextLength >= 0, buffer.count >= TransportHeader.length + plaintextLength else {
            throw TransportError.bufferTooShort(needed: TransportHeader.length + max(plaintextLength, 0), have: buffer.count)
        }
        ensureSodium()
        resize(&buffer, to: messageLength(plaintextLength: plaintextLength))
        buffer.withUnsafeMutableBufferPointer { o in
            guard let base = o.baseAddress else { return }
            writeHeader(base, receiverIndex: receiverIndex, counter: counter)
            key.withKeyBytes { k in
                let body = base + TransportHeader.length
                AEAD.seal(key: k, counter: counter, plaintext: body, length: plaintextLength,
                          ad: nil, adLength: 0, output: body)
            }
        }
    }

    /// Reads the header of a transport message without decrypting (for the index lookup that
    /// must precede decryption, §3.1 step 2).
    public static func header(of message: [UInt8]) throws -> TransportHeader {
        do { return try TransportHeader(parsing: message) } catch let e as MessageError {
            throw TransportError.malformed(e)
        }
    }

    /// Authenticates and decrypts a transport message into `out` (resized to the padded
    /// plaintext length; 0 for a keepalive). Throws without touching `out`'s contents' meaning
    /// if the message is malformed or does not authenticate.
    @discardableResult
    public static func open<Key: TransportKeyBytes>(_ message: [UInt8], key: Key, into out: inout [UInt8]) throws
        -> (receiverIndex: UInt32, counter: UInt64) {
        guard key.keyByteCount == AEAD.keyLength else { throw TransportError.authenticationFailed }
        let header = try header(of: message)
        ensureSodium()
        let plaintextLength = message.count - TransportHeader.minimumMessageLength
        if out.isEmpty && plaintextLength > 0 {
            // The usual call (a fresh array per packet): decrypt straight into new storage (made
            // as a copy of zeros: see `Array(zeroedCount:writing:)` for why not uninitialised).
            var ok = false
            out = [UInt8](zeroedCount: plaintextLength) { base in
                ok = message.withUnsafeBufferPointer { m in
                    key.withKeyBytes { k in
                        AEAD.open(key: k, counter: header.counter,
                                  ciphertext: m.baseAddress! + TransportHeader.length,
                                  length: m.count - TransportHeader.length, ad: nil, adLength: 0, output: base)
                    }
                }
                // A message that does not authenticate leaves no decrypted bytes behind.
                if !ok { base.update(repeating: 0, count: plaintextLength) }
            }
            guard ok else { throw TransportError.authenticationFailed }
            return (header.receiverIndex, header.counter)
        }
        resize(&out, to: plaintextLength)
        let ok = message.withUnsafeBufferPointer { m in
            key.withKeyBytes { k in
                out.withUnsafeMutableBufferPointer { o in
                    AEAD.open(key: k, counter: header.counter,
                              ciphertext: m.baseAddress! + TransportHeader.length,
                              length: m.count - TransportHeader.length, ad: nil, adLength: 0, output: o.baseAddress)
                }
            }
        }
        guard ok else { throw TransportError.authenticationFailed }
        return (header.receiverIndex, header.counter)
    }

    @inline(__always) static func writeHeader(_ base: UnsafeMutablePointer<UInt8>, receiverIndex: UInt32,
                                              counter: UInt64) {
        base[0] = MessageType.transport.rawValue
        base[1] = 0; base[2] = 0; base[3] = 0
        storeLE32(receiverIndex, UnsafeMutableRawPointer(base), at: 4)
        storeLE64(counter, UnsafeMutableRawPointer(base), at: 8)
    }

    /// Sets `buffer.count` to `length`, reusing its storage when the capacity allows.
    /// Growing appends zeros from a zeroed temporary (a memset and a memcpy): appending a
    /// `repeatElement` went through the generic sequence path, about 240 instructions a call.
    @inline(__always) static func resize(_ buffer: inout [UInt8], to length: Int) {
        if buffer.count > length {
            buffer.removeLast(buffer.count - length)
        } else if buffer.count < length {
            withUnsafeTemporaryAllocation(of: UInt8.self, capacity: length - buffer.count) { zeros in
                zeros.initialize(repeating: 0)
                buffer.append(contentsOf: zeros)
            }
        }
    }
}

/// Key bytes a transport message is sealed or opened with: an array (tests, vectors) or a
/// keypair's inline `InlineKey`. Callers check `keyByteCount` before the pointer is read.
public protocol TransportKeyBytes {
    /// How many bytes the key has (32 for a usable key).
    var keyByteCount: Int { get }
    /// Calls `body` with a pointer to the key's first byte (valid only during the call).
    func withKeyBytes<R>(_ body: (UnsafePointer<UInt8>) -> R) -> R
}

extension Array: TransportKeyBytes where Element == UInt8 {
    public var keyByteCount: Int { count }
    public func withKeyBytes<R>(_ body: (UnsafePointer<UInt8>) -> R) -> R {
        withUnsafeBufferPointer { buffer in
            // A key of 32 bytes always has storage; an empty array is refused before this call,
            // and gets a zeroed stand-in rather than a null pointer should it come here.
            guard let base = buffer.baseAddress else { return InlineKey(self).withKeyBytes(body) }
            return body(base)
        }
    }
}
