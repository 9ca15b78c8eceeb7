/// An IP prefix ("CIDR"): the key of one AllowedIPs entry.
///
/// Identity is (family, length, address masked to length), as the kernel treats it: host bits are
/// ignored by every comparison and zeroed when read back (wireguard-behaviour.md §1.3), so
/// `10.0.0.1/24` and `10.0.0.0/24` are the same prefix and both print `10.0.0.0/24`.
public struct IPPrefix: Hashable, Comparable, CustomStringConvertible, Sendable {
    /// The network address, host bits zeroed.
    public let address: IPAddress
    /// The prefix length ("cidr"): 0...32 for IPv4, 0...128 for IPv6.
    public let length: Int

    /// Masks the host bits of `address`; throws when `length` is negative or wider than the family.
    public init(address: IPAddress, length: Int) throws {
        guard length >= 0, length <= address.bitWidth else {
            throw AddressParseError("\(address)/\(length)",
                                    "prefix length \(length) is outside 0...\(address.bitWidth)")
        }
        self.address = IPPrefix.mask(address, to: length)
        self.length = length
    }

    /// Parses `ADDRESS/LENGTH` or a bare address (meaning /32 or /128), as `wg` reads an allowed IP
    /// [tools src/config.c `parse_allowedips`]: the length is decimal digits only (leading zeros
    /// allowed, as `strtoul` reads them), at most the family's width.
    /// Works on the UTF-8 bytes (a large scenario reads hundreds of thousands of these).
    public init(parsing text: String) throws {
        var hadHostBits = false
        try self.init(parsing: text, hadHostBits: &hadHostBits)
    }

    /// As `init(parsing:)`, also telling whether `text`'s address had bits set past the length
    /// (what `AllowedIPsUpdate.hostBitsWarning` warns about), so a loader reading a million
    /// allowed IPs need not parse each address a second time to find out.
    public init(parsing text: String, hadHostBits: inout Bool) throws {
        hadHostBits = false
        let address: IPAddress, suffix: Substring?
        do {
            (address, suffix) = try IPAddress.parsingAddress(beforeSlashIn: text)
        } catch let error as AddressParseError {
            throw AddressParseError(text, error.reason.isEmpty ? "bad address" : "bad address: \(error.reason)")
        }
        guard let lengthText = suffix else {
            self.address = address
            self.length = address.bitWidth
            return
        }
        var length = 0, significantDigits = 0
        for byte in lengthText.utf8 {
            let digit = byte &- UInt8(ascii: "0")
            guard digit < 10 else {
                throw AddressParseError(text, "prefix length '\(lengthText)' is not a decimal number")
            }
            if significantDigits > 0 || digit > 0 { significantDigits += 1 }
            if significantDigits <= 3 { length = length * 10 + Int(digit) }
        }
        guard !lengthText.isEmpty else {
            throw AddressParseError(text, "prefix length '\(lengthText)' is not a decimal number")
        }
        guard significantDigits <= 3, length <= address.bitWidth else {
            throw AddressParseError(text, "prefix length \(lengthText) is larger than \(address.bitWidth)")
        }
        self.address = IPPrefix.mask(address, to: length)
        self.length = length
        hadHostBits = self.address != address
    }

    /// True when the first `length` bits of `address` equal this prefix (never across families).
    public func contains(_ address: IPAddress) -> Bool {
        switch (self.address, address) {
        case (.v4, .v4), (.v6, .v6): return IPPrefix.mask(address, to: length) == self.address
        default: return false
        }
    }

    /// `0.0.0.0/0`: every IPv4 address.
    public static let allIPv4 = IPPrefix(uncheckedAddress: .v4(IPv4Address(0)), length: 0)
    /// `::/0`: every IPv6 address.
    public static let allIPv6 = IPPrefix(uncheckedAddress: .v6(IPv6Address(high: 0, low: 0)), length: 0)

    /// True for an IPv4 prefix.
    public var isIPv4: Bool { address.isIPv4 }

    /// `10.0.0.0/8`, `2001:db8::/32` (RFC 5952, as `wg show` prints it).
    public var description: String { "\(address)/\(length)" }

    /// IPv4 before IPv6, then by network address, then shorter first.
    public static func < (a: IPPrefix, b: IPPrefix) -> Bool {
        (a.address, a.length) < (b.address, b.length)
    }

    /// True when `address` has bits set after the first `length` (the `wg` tool warns about
    /// those: "AllowedIP has nonzero host part").
    public static func hasHostBits(_ address: IPAddress, length: Int) -> Bool {
        mask(address, to: length) != address
    }

    static func mask(_ address: IPAddress, to length: Int) -> IPAddress {
        switch address {
        case .v4(let a):
            return .v4(IPv4Address(a.value.masked(to: length)))
        case .v6(let a):
            let key = IPv6Key(high: a.high, low: a.low).masked(to: length)
            return .v6(IPv6Address(high: key.high, low: key.low))
        }
    }
}
