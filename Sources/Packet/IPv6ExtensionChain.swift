/// The IPv6 extension-header chain between the fixed header and the upper layer (RFC 8200 §4),
/// walked the way Linux's `ipv6_skip_exthdr` does: Hop-by-Hop, Routing, Destination Options,
/// Mobility, HIP and Shim6 are (length + 1) × 8 bytes, Fragment is 8, AH is (length + 2) × 4.
/// ESP and No Next Header end the walk: what follows cannot be read in the clear.
public struct IPv6ExtensionChain: Equatable, Sendable {
    /// One extension header: its type (the Next Header value that announced it) and where it is.
    public struct Header: Equatable, Sendable {
        public let type: UInt8
        public let range: Range<Int>
    }

    /// The Fragment header's fields (RFC 8200 §4.5).
    public struct Fragment: Equatable, Sendable {
        /// In 8-byte units.
        public let offset: UInt16
        public let moreFragments: Bool
        public let identification: UInt32
    }

    public let headers: [Header]
    /// The protocol after the last extension header (6, 17, 58, 50, 59, ...).
    public let upperProtocol: UInt8
    /// Where the upper-layer header starts.
    public let upperOffset: Int
    public let fragment: Fragment?

    /// Only a first fragment (offset 0) carries the upper-layer header.
    public var upperLayerIsPresent: Bool { (fragment?.offset ?? 0) == 0 && upperProtocol != IPProtocol.noNextHeader }

    static func isExtension(_ type: UInt8) -> Bool {
        switch type {
        case IPProtocol.hopByHop, IPProtocol.ipv6Route, IPProtocol.ipv6Fragment,
             IPProtocol.ipv6DestinationOptions, IPProtocol.authenticationHeader,
             IPProtocol.mobility, IPProtocol.hip, IPProtocol.shim6:
            return true
        default:
            return false
        }
    }

    /// Walks from `first` over `bytes[range]`; offsets in errors and results index `bytes`.
    public init(walking bytes: [UInt8], first: UInt8, range: Range<Int>) throws {
        var next = first
        var i = range.lowerBound
        var headers: [Header] = []
        var fragment: Fragment?
        while IPv6ExtensionChain.isExtension(next) {
            if next == IPProtocol.hopByHop && !headers.isEmpty {
                // RFC 8200 §4.1: Hop-by-Hop may only follow the fixed header; Linux answers a
                // later one with a Parameter Problem and drops the packet.
                throw WireError("IPv6", .malformed, at: i,
                                expected: "Hop-by-Hop Options only directly after the fixed header")
            }
            guard i + 8 <= range.upperBound else {
                throw WireError.truncated("IPv6", at: range.upperBound, need: 8, have: range.upperBound - i,
                                          what: "extension header \(next) of at least")
            }
            let length: Int
            switch next {
            case IPProtocol.ipv6Fragment:
                length = 8
                let field = readBE16(bytes, i + 2)
                fragment = Fragment(offset: field >> 3, moreFragments: field & 1 != 0,
                                    identification: readBE32(bytes, i + 4))
            case IPProtocol.authenticationHeader:
                length = (Int(bytes[i + 1]) + 2) * 4
            default:
                length = (Int(bytes[i + 1]) + 1) * 8
            }
            guard i + length <= range.upperBound else {
                throw WireError.truncated("IPv6", at: range.upperBound, need: length, have: range.upperBound - i,
                                          what: "extension header \(next) as its length byte declares")
            }
            headers.append(Header(type: next, range: i..<(i + length)))
            next = bytes[i]
            i += length
            if let f = fragment, f.offset != 0 { break }
        }
        self.headers = headers
        self.upperProtocol = next
        self.upperOffset = i
        self.fragment = fragment
    }
}
