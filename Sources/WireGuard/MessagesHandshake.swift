import Packet

/// Handshake initiation, type 1, 148 bytes [wireguard-behaviour.md §4.2].
public struct HandshakeInitiation: Equatable, Sendable {
    public static let length = 148
    public static let ephemeralOffset = 8, staticOffset = 40, timestampOffset = 88
    public static let mac1Offset = 116, mac2Offset = 132

    public var senderIndex: UInt32
    public var ephemeral: [UInt8]           // 32, unencrypted
    public var encryptedStatic: [UInt8]     // 32 + 16 tag
    public var encryptedTimestamp: [UInt8]  // 12 + 16 tag
    public var mac1: [UInt8]                // 16
    public var mac2: [UInt8]                // 16

    public init(senderIndex: UInt32, ephemeral: [UInt8], encryptedStatic: [UInt8], encryptedTimestamp: [UInt8],
                mac1: [UInt8] = Array(repeating: 0, count: 16), mac2: [UInt8] = Array(repeating: 0, count: 16)) {
        self.senderIndex = senderIndex
        self.ephemeral = ephemeral
        self.encryptedStatic = encryptedStatic
        self.encryptedTimestamp = encryptedTimestamp
        self.mac1 = mac1
        self.mac2 = mac2
    }

    /// Parses exactly 148 bytes of type 1 with zero reserved bytes.
    public init(parsing b: [UInt8]) throws {
        try checkMessage(b, is: .initiation)
        senderIndex = readLE32(b, 4)
        ephemeral = Array(b[8..<40])
        encryptedStatic = Array(b[40..<88])
        encryptedTimestamp = Array(b[88..<116])
        mac1 = Array(b[116..<132])
        mac2 = Array(b[132..<148])
    }

    /// The 148 wire bytes. Fields of the wrong length are truncated or zero-filled to fit, so the
    /// output always has the exact size.
    public var bytes: [UInt8] {
        var b = messageBuffer(.initiation, length: Self.length)
        writeLE32(senderIndex, into: &b, at: 4)
        put(ephemeral, into: &b, at: 8, width: 32)
        put(encryptedStatic, into: &b, at: 40, width: 48)
        put(encryptedTimestamp, into: &b, at: 88, width: 28)
        put(mac1, into: &b, at: 116, width: 16)
        put(mac2, into: &b, at: 132, width: 16)
        return b
    }
}

/// Handshake response, type 2, 92 bytes [wireguard-behaviour.md §4.2].
public struct HandshakeResponse: Equatable, Sendable {
    public static let length = 92
    public static let ephemeralOffset = 12, emptyOffset = 44
    public static let mac1Offset = 60, mac2Offset = 76

    public var senderIndex: UInt32
    public var receiverIndex: UInt32
    public var ephemeral: [UInt8]        // 32
    public var encryptedNothing: [UInt8] // 16 (tag only)
    public var mac1: [UInt8]
    public var mac2: [UInt8]

    public init(senderIndex: UInt32, receiverIndex: UInt32, ephemeral: [UInt8], encryptedNothing: [UInt8],
                mac1: [UInt8] = Array(repeating: 0, count: 16), mac2: [UInt8] = Array(repeating: 0, count: 16)) {
        self.senderIndex = senderIndex
        self.receiverIndex = receiverIndex
        self.ephemeral = ephemeral
        self.encryptedNothing = encryptedNothing
        self.mac1 = mac1
        self.mac2 = mac2
    }

    /// Parses exactly 92 bytes of type 2 with zero reserved bytes.
    public init(parsing b: [UInt8]) throws {
        try checkMessage(b, is: .response)
        senderIndex = readLE32(b, 4)
        receiverIndex = readLE32(b, 8)
        ephemeral = Array(b[12..<44])
        encryptedNothing = Array(b[44..<60])
        mac1 = Array(b[60..<76])
        mac2 = Array(b[76..<92])
    }

    /// The 92 wire bytes.
    public var bytes: [UInt8] {
        var b = messageBuffer(.response, length: Self.length)
        writeLE32(senderIndex, into: &b, at: 4)
        writeLE32(receiverIndex, into: &b, at: 8)
        put(ephemeral, into: &b, at: 12, width: 32)
        put(encryptedNothing, into: &b, at: 44, width: 16)
        put(mac1, into: &b, at: 60, width: 16)
        put(mac2, into: &b, at: 76, width: 16)
        return b
    }
}

/// Writes `field` into `b[at..<at+width]`, truncated or zero-filled to exactly `width` bytes.
func put(_ field: [UInt8], into b: inout [UInt8], at: Int, width: Int) {
    for i in 0..<min(width, field.count) { b[at + i] = field[i] }
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
