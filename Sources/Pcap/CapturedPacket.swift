import Packet

/// One IP packet read from a capture: its frame number, time and layer-3 bytes.
public struct CapturedPacket: Equatable, Sendable {
    /// 1-based position in the file, counting every frame (as Wireshark numbers them), so a
    /// message can name the frame a user will find in Wireshark.
    public let frame: Int
    /// Nanoseconds since the Unix epoch.
    public let timestamp: Int64
    /// The IP packet, link-layer header and trailing padding stripped.
    public let bytes: [UInt8]

    public init(frame: Int, timestamp: Int64, bytes: [UInt8]) {
        self.frame = frame
        self.timestamp = timestamp
        self.bytes = bytes
    }
}

/// A frame the reader did not turn into a packet, and why.
public struct SkippedFrame: Equatable, Sendable, CustomStringConvertible {
    public let frame: Int
    public let reason: SkipReason

    public var description: String { "frame \(frame): \(reason)" }
}

/// Why a capture file could not be opened, read or written.
public struct PcapError: Error, Equatable, Sendable, CustomStringConvertible {
    public let path: String
    /// The frame being read or written when it failed, when there was one.
    public let frame: Int?
    public let message: String

    public init(path: String, frame: Int? = nil, _ message: String) {
        self.path = path
        self.frame = frame
        self.message = message
    }

    public var description: String {
        if let frame { return "\(path): frame \(frame): \(message)" }
        return "\(path): \(message)"
    }
}
