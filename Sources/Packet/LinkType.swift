/// The link-layer framings a capture file can hold that this layer can strip to reach IP
/// (tcpdump.org "Link-layer header types"). Names follow the LINKTYPE_ constants.
public enum LinkType: Equatable, Hashable, Sendable, CustomStringConvertible {
    /// LINKTYPE_NULL (0): 4-byte address family in the capturing host's byte order.
    case null
    /// LINKTYPE_ETHERNET (1), with any number of 802.1Q / 802.1ad tags.
    case ethernet
    /// LINKTYPE_RAW (101; DLT_RAW is 12 on most systems and 14 on OpenBSD): bare IPv4 or IPv6.
    case raw
    /// LINKTYPE_LOOP (108): like NULL but the family is in network byte order.
    case loop
    /// LINKTYPE_LINUX_SLL (113): Linux "cooked" capture v1, 16-byte header.
    case linuxSLL
    /// LINKTYPE_IPV4 (228): bare IPv4 only.
    case ipv4
    /// LINKTYPE_IPV6 (229): bare IPv6 only.
    case ipv6
    /// LINKTYPE_LINUX_SLL2 (276): Linux "cooked" capture v2, 20-byte header.
    case linuxSLL2

    /// Maps a DLT value as `pcap_datalink` reports it; nil for framings not handled here.
    public init?(dlt: Int) {
        switch dlt {
        case 0: self = .null
        case 1: self = .ethernet
        case 12, 14, 101: self = .raw
        case 108: self = .loop
        case 113: self = .linuxSLL
        case 228: self = .ipv4
        case 229: self = .ipv6
        case 276: self = .linuxSLL2
        default: return nil
        }
    }

    /// The LINKTYPE_ value written in a file header.
    public var fileValue: UInt32 {
        switch self {
        case .null: return 0
        case .ethernet: return 1
        case .raw: return 101
        case .loop: return 108
        case .linuxSLL: return 113
        case .ipv4: return 228
        case .ipv6: return 229
        case .linuxSLL2: return 276
        }
    }

    public var description: String {
        switch self {
        case .null: return "NULL"
        case .ethernet: return "EN10MB"
        case .raw: return "RAW"
        case .loop: return "LOOP"
        case .linuxSLL: return "LINUX_SLL"
        case .ipv4: return "IPV4"
        case .ipv6: return "IPV6"
        case .linuxSLL2: return "LINUX_SLL2"
        }
    }
}
