import Packet

/// A transport message whose AEAD seal a simulator left for later: the message as the sender
/// built it before sealing (header written, the padded plaintext, zeroed tag space) and the key
/// to seal it with. Nothing in the simulation reads a message's ciphertext (a receiver holding
/// the same key takes its open as known, `SealedPlaintext`); only what is written out does: the
/// eth0 captures and the open's verification, which run on one thread beside the event loop.
/// That thread seals the message once, at its first need (`sealedMessage()`), so the event loop
/// does no AEAD for a data packet at all.
///
/// The seal is a pure function of the key, the counter and the plaintext (ChaCha20-Poly1305 with
/// the counter as nonce: §2 steps 5 and 7), so the bytes are those the sender would have
/// made itself. Anything on another thread that needs them (a capture on the event thread, a
/// datagram sent to another MPI process, an open that was not known) makes its own copy with
/// `sealedCopy()`.
///
/// Threads: `unsealed` and `key` never change. `sealed` is touched only by the one thread that
/// calls `sealedMessage()` (a simulator's capture lane).
public final class PendingTransportSeal: @unchecked Sendable {
    /// The message before its seal, exactly as long as the sealed one.
    public let unsealed: [UInt8]
    private let key: InlineKey
    /// The sealed message, once `sealedMessage()` has made it.
    @exclusivity(unchecked) private var sealed: [UInt8]?
    /// `InternetChecksum.sum` of `sealed`, once `sealedMessageAndSum()` has made it.
    @exclusivity(unchecked) private var sealedSum: UInt64?

    /// `unsealed`: a whole type-4 message (header written) whose body is the padded plaintext and
    /// whose last 16 bytes are the tag's space; `key`: a 32-byte sending key.
    public init(unsealed: [UInt8], key: InlineKey) {
        precondition(unsealed.count >= TransportHeader.minimumMessageLength && key.keyByteCount == AEAD.keyLength,
                     "a pending seal needs a whole message and a 32-byte key")
        self.unsealed = unsealed
        self.key = key
    }

    /// The sealed message, made at the first call and kept: for one thread only.
    public func sealedMessage() -> [UInt8] {
        if let sealed { return sealed }
        let made = sealedCopy()
        sealed = made
        return made
    }

    /// `sealedMessage()` and its `InternetChecksum.sum`, the sum made at the first call and kept
    /// (same thread): the message's two captures (sender's and receiver's eth0) write one UDP
    /// datagram, whose checksum then sums the payload once. Returned together so that the sum
    /// is made from the message the caller takes anyway (no extra retain of it).
    public func sealedMessageAndSum() -> (message: [UInt8], sum: UInt64) {
        let message = sealedMessage()
        if let sealedSum { return (message, sealedSum) }
        let sum = message.withUnsafeBytes { InternetChecksum.sum($0) }
        sealedSum = sum
        return (message, sum)
    }

    /// The sealed message made anew and not kept (any thread). Sealed from the unsealed bytes
    /// straight into new storage: copying them first and sealing in place wrote every byte twice.
    public func sealedCopy() -> [UInt8] {
        let count = unsealed.count
        let header = TransportHeader.length
        let plaintextLength = count - TransportHeader.minimumMessageLength
        let counter = readLE64(unsealed, 8)
        ensureSodium()
        // `zeroedCount`, not `unsafeUninitializedCapacity`: the latter allocates through the
        // unspecialised `ContiguousArray` path (~680 instructions a seal in the profile).
        return [UInt8](zeroedCount: count) { to in
            unsealed.withUnsafeBufferPointer { source in
                let from = source.baseAddress!
                to.update(from: from, count: header)
                key.withKeyBytes { k in
                    AEAD.seal(key: k, counter: counter, plaintext: from + header, length: plaintextLength,
                              ad: nil, adLength: 0, output: to + header)
                }
            }
        }
    }
}
