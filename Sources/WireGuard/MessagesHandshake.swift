import Packet

/// Handshake initiation, type 1, 148 bytes [wireguard-behaviour.md §4.2].
public struct HandshakeInitiation: Equatable, Sendable, ByteFieldLayout {
    public static let length = 148
    public static let ephemeralOffset = 8, staticOffset = 40, timestampOffset = 88
    public static let mac1Offset = 116, mac2Offset = 132
    static let messageType = MessageType.initiation
    static let indexFields: [IndexField<Self>] = [IndexField(\.senderIndex, at: 4)]
    static var blank: Self { Self(senderIndex: 0, ephemeral: [], encryptedStatic: [], encryptedTimestamp: []) }
    static let byteFields: [ByteField<Self>] = [
        ByteField(\.ephemeral, at: ephemeralOffset, width: 32),
        ByteField(\.encryptedStatic, at: staticOffset, width: 48),
        ByteField(\.encryptedTimestamp, at: timestampOffset, width: 28),
        ByteField(\.mac1, at: mac1Offset, width: 16),
        ByteField(\.mac2, at: mac2Offset, width: 16),
    ]

    public var senderIndex: UInt32
    public var ephemeral: [UInt8]           // 32, unencrypted
    public var encryptedStatic: [UInt8]     // 32 + 16 tag
    public var encryptedTimestamp: [UInt8]  // 12 + 16 tag
    /// Zero here: the sender writes the MACs into the wire bytes (`Mac1.write`, `CookieGenerator.addMacs`).
    public var mac1 = [UInt8](repeating: 0, count: 16)
    public var mac2 = [UInt8](repeating: 0, count: 16)
}

// In an extension, so that the memberwise initialiser stays.
extension HandshakeInitiation {
    /// Parses exactly `length` bytes of its type with zero reserved bytes.
    public init(parsing b: [UInt8]) throws { self = try Self.parse(b) }

    /// The `length` wire bytes.
    public var bytes: [UInt8] { wireBytes }
}

/// Handshake response, type 2, 92 bytes [wireguard-behaviour.md §4.2].
public struct HandshakeResponse: Equatable, Sendable, ByteFieldLayout {
    public static let length = 92
    public static let ephemeralOffset = 12, emptyOffset = 44
    public static let mac1Offset = 60, mac2Offset = 76
    static let messageType = MessageType.response
    static let indexFields: [IndexField<Self>] = [IndexField(\.senderIndex, at: 4), IndexField(\.receiverIndex, at: 8)]
    static var blank: Self { Self(senderIndex: 0, receiverIndex: 0, ephemeral: [], encryptedNothing: []) }
    static let byteFields: [ByteField<Self>] = [
        ByteField(\.ephemeral, at: ephemeralOffset, width: 32),
        ByteField(\.encryptedNothing, at: emptyOffset, width: 16),
        ByteField(\.mac1, at: mac1Offset, width: 16),
        ByteField(\.mac2, at: mac2Offset, width: 16),
    ]

    public var senderIndex: UInt32
    public var receiverIndex: UInt32
    public var ephemeral: [UInt8]        // 32
    public var encryptedNothing: [UInt8] // 16 (tag only)
    /// Zero here: the sender writes the MACs into the wire bytes (`Mac1.write`, `CookieGenerator.addMacs`).
    public var mac1 = [UInt8](repeating: 0, count: 16)
    public var mac2 = [UInt8](repeating: 0, count: 16)
}

// In an extension, so that the memberwise initialiser stays.
extension HandshakeResponse {
    /// Parses exactly `length` bytes of its type with zero reserved bytes.
    public init(parsing b: [UInt8]) throws { self = try Self.parse(b) }

    /// The `length` wire bytes.
    public var bytes: [UInt8] { wireBytes }
}

/// Where MAC1 and MAC2 sit in a handshake message of the given type (nil for other types).
func macOffsets(for message: [UInt8]) -> (mac1: Int, mac2: Int)? {
    switch message.count {
    case HandshakeInitiation.length where message.first == MessageType.initiation.rawValue:
        return (HandshakeInitiation.mac1Offset, HandshakeInitiation.mac2Offset)
    case HandshakeResponse.length where message.first == MessageType.response.rawValue:
        return (HandshakeResponse.mac1Offset, HandshakeResponse.mac2Offset)
    default:
        return nil
    }
}
