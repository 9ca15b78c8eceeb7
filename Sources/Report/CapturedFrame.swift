import NetAddress
import WireGuard

/// What a capture witness is told of one captured packet: its bytes, or for a UDP datagram a
/// sink took without them (`CaptureSink.wantsDatagramBytes` false), its endpoints and payload,
/// whose WireGuard transport message may not be sealed yet (`PendingTransportSeal`); or, when a
/// split run's process 0 replays its processes' captures, the digest of an identity.
enum CapturedFrame {
    case packet([UInt8])
    case datagram(from: Endpoint, to: Endpoint, payload: [UInt8])
    /// An identity already made (a split run's digest of one).
    case identity([UInt8])

    /// Bytes equal for the two captures of one datagram (where it left one eth0 and where it
    /// reached the other) whichever way each was made: from its bytes or from its parts, sealed
    /// or not yet. A UDP datagram is named by its endpoints and payload, a WireGuard transport
    /// message's payload by its length and its 16-byte header (type, receiver index, counter),
    /// the part that is the same sealed or not; a counter is used once per key, so two such
    /// messages on the way at once with equal endpoints and header are the same message. Any
    /// other packet is named by its bytes. Made only when the recorder needs it (a datagram a
    /// kept step sent, or an arrival while one is on the way).
    var identity: [UInt8] {
        switch self {
        case .identity(let bytes): return bytes
        case .datagram(let from, let to, let payload): return Self.identity(from: from, to: to, payload: payload)
        case .packet(let bytes):
            if let (from, to, payload) = CaptureDecoder.udpPayload(bytes) {
                return Self.identity(from: from, to: to, payload: payload)
            }
            return [0] + bytes
        }
    }

    private static func identity(from: Endpoint, to: Endpoint, payload: [UInt8]) -> [UInt8] {
        let isTransport = payload.count >= TransportHeader.minimumMessageLength && payload[0] == MessageType.transport.rawValue
        var out: [UInt8] = []
        // Made at its final size: grown append by append, it was reallocated several times.
        out.reserveCapacity(1 + 2 * 19 + 4 + (isTransport ? TransportHeader.length : payload.count))
        out.append(1)
        append(from, to: &out)
        append(to, to: &out)
        let count = UInt32(truncatingIfNeeded: payload.count)
        out.append(UInt8(count >> 24)); out.append(UInt8((count >> 16) & 0xff))
        out.append(UInt8((count >> 8) & 0xff)); out.append(UInt8(count & 0xff))
        if isTransport {
            out.append(contentsOf: payload[0..<TransportHeader.length])
        } else {
            out.append(contentsOf: payload)
        }
        return out
    }

    /// An endpoint's address (its length first) and port.
    private static func append(_ endpoint: Endpoint, to out: inout [UInt8]) {
        let address = endpoint.address.bytes
        out.append(UInt8(address.count))
        out.append(contentsOf: address)
        out.append(UInt8(endpoint.port >> 8))
        out.append(UInt8(endpoint.port & 0xff))
    }
}

/// A captured frame's identity (`CapturedFrame.identity`) as a dictionary key: equal when the
/// bytes are, hashed in one pass over the buffer (`Hasher.combine(bytes:)`). `[UInt8]`'s own
/// hashing feeds the hasher one byte at a time: ~10 instructions a byte, ~9,800 a lookup of a
/// whole datagram in `wgsim run`'s profile.
struct FrameKey: Hashable {
    let bytes: [UInt8]
    init(_ bytes: [UInt8]) { self.bytes = bytes }
    func hash(into hasher: inout Hasher) {
        bytes.withUnsafeBytes { hasher.combine(bytes: $0) }
    }
    static func == (a: FrameKey, b: FrameKey) -> Bool { a.bytes == b.bytes }
}
