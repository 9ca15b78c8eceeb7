/// MAC1: `MAC(HASH("mac1----" || Spub_receiver), msg[0 ..< mac1 offset])`, checked on every
/// handshake message [wireguard-behaviour.md §4.5; compat src/cookie.c `compute_mac1`].
enum Mac1 {
    static let label = Array("mac1----".utf8)
    static let cookieLabel = Array("cookie--".utf8)

    /// `HASH("mac1----" || key)`.
    static func key(for receiver: PublicKey) -> [UInt8] { Blake2s.hash(label, receiver.bytes) }
    /// `HASH("cookie--" || key)`: the XChaCha20-Poly1305 key of cookie replies.
    static func cookieKey(for responder: PublicKey) -> [UInt8] { Blake2s.hash(cookieLabel, responder.bytes) }

    /// MAC1 of a handshake message (nil if it is not an initiation or response by size and type).
    static func compute(_ message: [UInt8], key: [UInt8]) -> [UInt8]? {
        guard let offsets = macOffsets(for: message) else { return nil }
        return Blake2s.mac(key: key, Array(message[0..<offsets.mac1]))
    }

    static func write(into message: inout [UInt8], key: [UInt8]) {
        guard let offsets = macOffsets(for: message), let mac = compute(message, key: key) else { return }
        message.replaceSubrange(offsets.mac1..<offsets.mac2, with: mac)
    }

    static func verify(_ message: [UInt8], key: [UInt8]) -> Bool {
        guard let offsets = macOffsets(for: message), let mac = compute(message, key: key) else { return false }
        return constantTimeEqual(mac, Array(message[offsets.mac1..<offsets.mac2]))
    }

    /// MAC2 of a handshake message under `cookie` (covers MAC1).
    static func mac2(_ message: [UInt8], cookie: [UInt8]) -> [UInt8]? {
        guard let offsets = macOffsets(for: message) else { return nil }
        return Blake2s.mac(key: cookie, Array(message[0..<offsets.mac2]))
    }
}

/// Compares without an early exit, as the kernel's `crypto_memneq` does.
func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
    guard a.count == b.count else { return false }
    var difference: UInt8 = 0
    for i in 0..<a.count { difference |= a[i] ^ b[i] }
    return difference == 0
}

/// Cookie timing constants [wireguard-behaviour.md §4.5, §5.1].
public enum CookieTiming {
    /// COOKIE_SECRET_MAX_AGE: the responder's secret is replaced when this old.
    public static let secretMaxAge: Int64 = 120_000_000_000
    /// COOKIE_SECRET_LATENCY: a received cookie is used for MAX_AGE − LATENCY = 115 s.
    public static let secretLatency: Int64 = 5_000_000_000
}

/// Why a cookie reply was not taken.
public enum CookieError: Error, Equatable, CustomStringConvertible {
    case malformed(MessageError)
    /// We have not sent a MAC1 since the last accepted reply (one reply per sent message).
    case noMac1Sent
    /// The cookie did not decrypt with our last MAC1 as associated data.
    case decryptionFailed

    public var description: String {
        switch self {
        case .malformed(let e): return "malformed cookie reply: \(e)"
        case .noMac1Sent: return "cookie reply without a handshake message awaiting one"
        case .decryptionFailed: return "cookie does not decrypt with the last mac1 sent"
        }
    }
}

/// The initiator-side cookie state for one peer: adds MAC1/MAC2 to outgoing handshake messages,
/// remembers the last MAC1, and takes cookie replies [compat src/cookie.c
/// `wg_cookie_add_mac_to_packet`, `wg_cookie_message_consume`].
///
/// The MAC1 key is derived for each handshake message sent (the kernel precomputes it when the
/// peer is added): one BLAKE2s per handshake message, against 72 bytes kept on both sides of
/// every session of a hub with hundreds of thousands of them. The cookie key is derived only for
/// a cookie reply.
public struct CookieGenerator: Sendable {
    let remoteStatic: PublicKey
    /// The last cookie received and when (simulated ns).
    public private(set) var cookie: [UInt8]?
    public private(set) var cookieReceivedAt: Int64 = 0
    /// The MAC1 of the last handshake message sent, until a reply consumes it (inline: an array
    /// would cost a heap object per peer that ever sent a handshake message).
    private var lastMac1: InlineMAC?

    /// The MAC1 of the last handshake message sent, until a reply consumes it.
    public var lastMac1Sent: [UInt8]? { lastMac1?.bytes }

    public init(remoteStatic: PublicKey) {
        self.remoteStatic = remoteStatic
    }

    /// Whether a cookie is held and younger than 115 s at `now`.
    public func hasValidCookie(now: Int64) -> Bool {
        guard cookie != nil else { return false }
        return now < cookieReceivedAt + (CookieTiming.secretMaxAge - CookieTiming.secretLatency)
    }

    /// Writes MAC1 (always) and MAC2 (the cookie's MAC if a valid cookie is held, else zeros).
    /// Messages that are not initiations or responses are left unchanged.
    public mutating func addMacs(to message: inout [UInt8], now: Int64) {
        guard let offsets = macOffsets(for: message) else { return }
        guard let mac1 = Mac1.compute(message, key: Mac1.key(for: remoteStatic)) else { return }
        message.replaceSubrange(offsets.mac1..<offsets.mac2, with: mac1)
        lastMac1 = InlineMAC(mac1)
        var mac2 = [UInt8](repeating: 0, count: 16)
        if let cookie, hasValidCookie(now: now), let mac = Mac1.mac2(message, cookie: cookie) { mac2 = mac }
        message.replaceSubrange(offsets.mac2..<(offsets.mac2 + 16), with: mac2)
    }

    /// Takes a cookie reply (the caller has matched its receiver index to this peer).
    public mutating func consume(_ reply: CookieReply, now: Int64) throws {
        guard let mac1 = lastMac1Sent else { throw CookieError.noMac1Sent }
        guard let plain = try? XAEAD.open(key: Mac1.cookieKey(for: remoteStatic), nonce: reply.nonce, ciphertext: reply.encryptedCookie,
                                          ad: mac1) else { throw CookieError.decryptionFailed }
        cookie = plain
        cookieReceivedAt = now
        lastMac1 = nil
    }

    /// Parses and takes a 64-byte cookie reply.
    public mutating func consume(_ bytes: [UInt8], now: Int64) throws {
        let reply: CookieReply
        do { reply = try CookieReply(parsing: bytes) } catch let e as MessageError { throw CookieError.malformed(e) }
        try consume(reply, now: now)
    }
}
