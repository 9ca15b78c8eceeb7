#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What a sender knows of a transport message it has just sealed: the inner packet before its
/// padding, and the keypair whose sending key sealed it. A simulator carries it with the datagram,
/// as per-packet metadata rides in the kernel's `PACKET_CB(skb)` (src/queueing.h) rather than in
/// a table keyed by bytes, so that the receiver can know the result of its open without running
/// it first (`DeviceEventOutlet.verifiesOpen(_:)`).
///
/// The keypair is named by reference, not its key copied: two words ride with the datagram, and a
/// simulated datagram that grew by the key's 33 bytes made every event in the simulator's queue
/// larger and every move of one a `memcpy` (docs/performance.md, session 11). A keypair's sending
/// key never changes, so the reference names exactly the key used.
public struct SealedPlaintext {
    /// The inner packet as it was handed to the seal, without the zero padding of §2 step 7
    /// (empty for a keepalive).
    public let packet: [UInt8]
    /// The keypair whose `sending` key sealed the message.
    public let keypair: Keypair
    /// Set when the message went out unsealed, its seal left to the thread that writes what
    /// needs the bytes (`PendingTransportSeal`); nil: the message was sealed when sent.
    public let pending: PendingTransportSeal?

    public init(packet: [UInt8], keypair: Keypair, pending: PendingTransportSeal? = nil) {
        self.packet = packet
        self.keypair = keypair
        self.pending = pending
    }

    /// The key the message was sealed with.
    public var key: InlineKey { keypair.sending }
}

/// The real open of one transport message whose result a receiver took as known (the message
/// came with its sender's `SealedPlaintext`, sealed under the very key the receiver holds), to be
/// run later, on another thread, as a verification: libsodium must authenticate `message` under
/// `key` and give exactly `packet` followed by zeros up to the message's plaintext length
/// [wireguard-behaviour.md §3.1 step 3]. A check that fails can only be a bug in the simulator.
public struct TransportOpenCheck: Sendable {
    /// The whole type-4 message as the receiver got it (unsealed when `pending` is set: its
    /// header is the message's, its body not yet sealed).
    public let message: [UInt8]
    /// The receiving keypair's key.
    public let key: InlineKey
    /// The plaintext the receiver went on with, before padding.
    public let packet: [UInt8]
    /// The message's seal, when its sender left it for later: the check opens the sealed
    /// message it makes (`sealedMessage()`, so run the check on that seal's one thread).
    public let pending: PendingTransportSeal?

    public init(message: [UInt8], key: InlineKey, packet: [UInt8], pending: PendingTransportSeal? = nil) {
        self.message = message
        self.key = key
        self.packet = packet
        self.pending = pending
    }

    /// Opens the message with libsodium into `scratch` (reused from check to check) and compares:
    /// nil when it authenticates and gives the padded packet, else what went wrong, in words.
    public func problem(scratch: inout [UInt8]) -> String? {
        do {
            try Transport.open(pending?.sealedMessage() ?? message, key: key, into: &scratch)
        } catch {
            return "\(error)"
        }
        guard scratch.count >= packet.count else {
            return "it opened to \(scratch.count) bytes, shorter than the \(packet.count)-byte packet the receiver went on with"
        }
        // The packet's bytes, then zeros: compared through pointers (an indexed loop checked
        // every index).
        return scratch.withUnsafeBufferPointer { opened -> String? in
            packet.withUnsafeBufferPointer { expected -> String? in
                if expected.count > 0, memcmp(opened.baseAddress!, expected.baseAddress!, expected.count) != 0 {
                    return "its plaintext differs from the packet the receiver went on with"
                }
                for i in expected.count..<opened.count where opened[i] != 0 {
                    return "its padding has a non-zero byte at offset \(i)"
                }
                return nil
            }
        }
    }
}
