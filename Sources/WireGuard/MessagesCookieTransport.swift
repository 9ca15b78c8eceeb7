import Packet

/// Cookie reply, type 3, 64 bytes [wireguard-behaviour.md §4.2, §4.5].
public struct CookieReply: Equatable, Sendable, ByteFieldLayout {
    public static let length = 64
    static let messageType = MessageType.cookieReply
    static let indexFields: [IndexField<Self>] = [IndexField(\.receiverIndex, at: 4)]
    static var blank: Self { Self(receiverIndex: 0, nonce: [], encryptedCookie: []) }
    static let byteFields: [ByteField<Self>] = [
        ByteField(\.nonce, at: 8, width: 24),
        ByteField(\.encryptedCookie, at: 32, width: 32),
    ]

    /// The sender index of the handshake message this reply answers.
    public var receiverIndex: UInt32
    public var nonce: [UInt8]            // 24
    public var encryptedCookie: [UInt8]  // 16 + 16 tag
}

// In an extension, so that the memberwise initialiser stays.
extension CookieReply {
    /// Parses exactly `length` bytes of its type with zero reserved bytes.
    public init(parsing b: [UInt8]) throws { self = try Self.parse(b) }

    /// The `length` wire bytes.
    public var bytes: [UInt8] { wireBytes }
}

/// The 16-byte header of a transport data message (type 4): receiver index and 64-bit counter,
/// followed on the wire by the ChaCha20-Poly1305 ciphertext and tag [wireguard-behaviour.md §4.2].
public struct TransportHeader: Equatable, Sendable {
    public static let length = 16
    /// Header plus tag: the size of a keepalive, and the least a type-4 message may be.
    public static let minimumMessageLength = 32

    public var receiverIndex: UInt32
    public var counter: UInt64
}

// In an extension, so that the memberwise initialiser stays.
extension TransportHeader {
    /// Reads the header of a whole transport message (at least 32 bytes, type 4, reserved zero).
    public init(parsing message: [UInt8]) throws {
        try checkMessage(message, is: .transport)
        receiverIndex = readLE32(message, 4)
        counter = readLE64(message, 8)
    }

    /// The 16 header bytes.
    public var bytes: [UInt8] {
        var b = messageBuffer(.transport, length: Self.length)
        writeLE32(receiverIndex, into: &b, at: 4)
        writeLE64(counter, into: &b, at: 8)
        return b
    }
}
