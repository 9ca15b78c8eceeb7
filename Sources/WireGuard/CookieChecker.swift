import Packet
import Routing

/// The responder-side cookie state of one device: checks MAC1 and MAC2 of incoming handshake
/// messages and makes cookie replies when under load [compat src/cookie.c
/// `wg_cookie_validate_packet`, `make_cookie`, `wg_cookie_message_create`].
///
/// The secret `Rm` is drawn from the passed-in random source when first needed and again
/// whenever it is at least 120 s old (the kernel draws its first secret when the device is
/// created; drawing lazily changes no observable byte until a cookie is made).
///
/// The MAC1 key is derived for each handshake message that arrives (one BLAKE2s, against 72
/// bytes kept by every device that ever received one); the cookie key whenever a reply is made
/// (rare: only under load).
public struct CookieChecker: Sendable {
    let localStatic: PublicKey
    public private(set) var secret: [UInt8]?
    public private(set) var secretBornAt: Int64 = 0

    public init(localStatic: PublicKey) {
        self.localStatic = localStatic
    }

    /// For tests and known-answer vectors: start with a given secret born at `bornAt`.
    public init(localStatic: PublicKey, secret: [UInt8], bornAt: Int64) {
        self.init(localStatic: localStatic)
        self.secret = secret
        self.secretBornAt = bornAt
    }

    /// Whether MAC1 of a handshake message is right for this device (checked on every one).
    public mutating func validMac1(_ message: [UInt8]) -> Bool {
        Mac1.verify(message, key: Mac1.key(for: localStatic))
    }

    /// Whether MAC2 is the MAC of the message under the cookie `source` should hold now.
    public mutating func validMac2(_ message: [UInt8], source: Endpoint, now: Int64,
                                   random: inout SeededRandom) -> Bool {
        guard let offsets = macOffsets(for: message) else { return false }
        let cookie = makeCookie(for: source, now: now, random: &random)
        guard let expected = Mac1.mac2(message, cookie: cookie) else { return false }
        return constantTimeEqual(expected, Array(message[offsets.mac2..<(offsets.mac2 + 16)]))
    }

    /// The 64-byte cookie reply to a handshake message from `source`: receiver index = the
    /// message's sender index, a random 24-byte nonce, the cookie sealed with XChaCha20-Poly1305
    /// under `HASH("cookie--" || our public key)` with the message's MAC1 as associated data.
    public mutating func makeReply(to message: [UInt8], source: Endpoint, now: Int64,
                                   random: inout SeededRandom) -> [UInt8] {
        let nonce = random.bytes(XAEAD.nonceLength)
        return makeReply(to: message, source: source, now: now, nonce: nonce, random: &random)
    }

    /// `makeReply` with a given 24-byte nonce (the §7.5 cookie vector fixes it).
    mutating func makeReply(to message: [UInt8], source: Endpoint, now: Int64, nonce: [UInt8],
                                   random: inout SeededRandom) -> [UInt8] {
        let senderIndex = message.count >= 8 ? readLE32(message, 4) : 0
        let mac1: [UInt8]
        if let offsets = macOffsets(for: message) {
            mac1 = Array(message[offsets.mac1..<offsets.mac2])
        } else {
            mac1 = []
        }
        let cookie = makeCookie(for: source, now: now, random: &random)
        let sealed = (try? XAEAD.seal(key: Mac1.cookieKey(for: localStatic), nonce: nonce, plaintext: cookie, ad: mac1))
            ?? [UInt8](repeating: 0, count: 32)
        return CookieReply(receiverIndex: senderIndex, nonce: nonce, encryptedCookie: sealed).bytes
    }

    /// `MAC(Rm, source address bytes || source port big-endian)`, rotating `Rm` when 120 s old.
    mutating func makeCookie(for source: Endpoint, now: Int64, random: inout SeededRandom) -> [UInt8] {
        if secret == nil || now >= secretBornAt + CookieTiming.secretMaxAge {
            secret = random.bytes(32)
            secretBornAt = now
        }
        return Blake2s.mac(key: secret ?? [], CookieChecker.sourceBytes(source))
    }

    /// The kernel's encoding of a source: 4 or 16 address bytes, then the port in network order.
    static func sourceBytes(_ source: Endpoint) -> [UInt8] {
        source.address.bytes + [UInt8(source.port >> 8), UInt8(source.port & 0xff)]
    }
}
