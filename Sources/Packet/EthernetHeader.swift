/// A 48-bit Ethernet MAC address.
public struct MACAddress: Hashable, Sendable, CustomStringConvertible {
    public var bytes: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8)

    public init(_ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8, _ e: UInt8, _ f: UInt8) {
        bytes = (a, b, c, d, e, f)
    }

    public static func == (x: MACAddress, y: MACAddress) -> Bool { x.array == y.array }
    public func hash(into hasher: inout Hasher) { hasher.combine(array) }

    public var array: [UInt8] { [bytes.0, bytes.1, bytes.2, bytes.3, bytes.4, bytes.5] }

    public var description: String {
        array.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined(separator: ":")
    }
}

/// An Ethernet II header (no VLAN tag) in front of an IP packet, as captures of an underlay
/// interface show it. The EtherType follows the packet's version nibble.
public struct EthernetHeader: Equatable, Sendable {
    public static let length = 14
    public var destination: MACAddress
    public var source: MACAddress

    public init(source: MACAddress, destination: MACAddress) {
        self.source = source
        self.destination = destination
    }

    /// IPv6 (0x86dd) when `ipPacket` starts with version 6, else IPv4 (0x0800).
    public static func etherType(for ipPacket: [UInt8]) -> UInt16 {
        ipPacket.first.map { $0 >> 4 == 6 } == true ? 0x86dd : 0x0800
    }

    /// The 14 header bytes for `ipPacket`.
    public func emit(for ipPacket: [UInt8]) -> [UInt8] {
        let type = EthernetHeader.etherType(for: ipPacket)
        return destination.array + source.array + [UInt8(type >> 8), UInt8(truncatingIfNeeded: type)]
    }
}
