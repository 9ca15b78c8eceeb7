/// The four WireGuard message types. On the wire the type is a little-endian u32 whose upper
/// three bytes are reserved and must be zero [wireguard-behaviour.md §3.1 step 1, §4.2].
public enum MessageType: UInt8, Sendable, CaseIterable, CustomStringConvertible {
    case initiation = 1, response = 2, cookieReply = 3, transport = 4

    /// The name `wgsim decode --json` and the decision log use.
    public var name: String {
        switch self {
        case .initiation: return "initiation"
        case .response: return "response"
        case .cookieReply: return "cookie-reply"
        case .transport: return "transport"
        }
    }

    public var description: String { name }

    /// Exact size of a handshake message; for transport data, the minimum (header + tag).
    public var requiredLength: Int {
        switch self {
        case .initiation: return HandshakeInitiation.length
        case .response: return HandshakeResponse.length
        case .cookieReply: return CookieReply.length
        case .transport: return TransportHeader.minimumMessageLength
        }
    }

    /// The type of a UDP payload if its header and length have a WireGuard message's shape, with
    /// the kernel's rules: handshake types exact sizes 148/92/64, transport at least 32, reserved
    /// bytes zero [compat src/receive.c `validate_header_len`, `prepare_skb_header`].
    public static func classify(_ message: [UInt8]) throws -> MessageType {
        guard message.count >= 4 else { throw MessageError.tooShortForHeader(message.count) }
        guard let type = MessageType(rawValue: message[0]) else { throw MessageError.unknownType(message[0]) }
        guard message[1] == 0, message[2] == 0, message[3] == 0 else {
            throw MessageError.reservedBytesNotZero(type: type)
        }
        if type == .transport {
            guard message.count >= type.requiredLength else {
                throw MessageError.wrongLength(type: type, expected: type.requiredLength, actual: message.count)
            }
        } else if message.count != type.requiredLength {
            throw MessageError.wrongLength(type: type, expected: type.requiredLength, actual: message.count)
        }
        return type
    }
}

/// Why some bytes are not the WireGuard message they were taken for.
public enum MessageError: Error, Equatable, CustomStringConvertible {
    case tooShortForHeader(Int)
    case unknownType(UInt8)
    case reservedBytesNotZero(type: MessageType)
    /// Handshake messages have exact sizes; transport data has a minimum.
    case wrongLength(type: MessageType, expected: Int, actual: Int)
    case wrongType(expected: MessageType, actual: MessageType)

    public var description: String {
        switch self {
        case .tooShortForHeader(let n): return "\(n) bytes is too short for a WireGuard header (4)"
        case .unknownType(let t): return "unknown message type \(t)"
        case .reservedBytesNotZero(let type): return "\(type) message has non-zero reserved bytes"
        case let .wrongLength(type, expected, actual):
            let rule = type == .transport ? "at least \(expected)" : "exactly \(expected)"
            return "\(type) message must be \(rule) bytes, got \(actual)"
        case let .wrongType(expected, actual): return "expected a \(expected) message, got \(actual)"
        }
    }
}

/// Checks `bytes` is exactly a `type` message and returns nothing else; shared by the parsers.
func checkMessage(_ bytes: [UInt8], is type: MessageType) throws {
    let actual = try MessageType.classify(bytes)
    guard actual == type else { throw MessageError.wrongType(expected: type, actual: actual) }
}

/// A zero-filled message buffer with its type header written.
func messageBuffer(_ type: MessageType, length: Int) -> [UInt8] {
    var b = [UInt8](repeating: 0, count: length)
    b[0] = type.rawValue
    return b
}
