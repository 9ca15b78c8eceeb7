/// A UDP endpoint: where a peer's encrypted datagrams go, or where one came from.
public struct Endpoint: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var address: IPAddress
    public var port: UInt16

    public init(address: IPAddress, port: UInt16) {
        self.address = address
        self.port = port
    }

    /// Parses `a.b.c.d:port` or `[v6]:port`, as `wg set … endpoint` takes it.
    public init(parsing text: String) throws {
        let host: Substring, portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else {
                throw AddressParseError(text, "missing ']' after the IPv6 address")
            }
            host = text[text.index(after: text.startIndex)..<close]
            let rest = text[text.index(after: close)...]
            guard rest.hasPrefix(":") else { throw AddressParseError(text, "expected ':port' after ']'") }
            portText = rest.dropFirst()
        } else {
            guard let colon = text.lastIndex(of: ":") else {
                throw AddressParseError(text, "an endpoint is address:port")
            }
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
            if host.contains(":") { throw AddressParseError(text, "an IPv6 endpoint is written [address]:port") }
        }
        guard let port = UInt16(portText) else {
            throw AddressParseError(text, "'\(portText)' is not a port from 0 to 65535")
        }
        self.init(address: try IPAddress(parsing: String(host)), port: port)
    }

    /// `1.2.3.4:51820` or `[2001:db8::1]:51820`, as `wg show` prints endpoints.
    public var description: String {
        switch address {
        case .v4(let a): return "\(a):\(port)"
        case .v6(let a): return "[\(a)]:\(port)"
        }
    }

    public static func < (a: Endpoint, b: Endpoint) -> Bool { (a.address, a.port) < (b.address, b.port) }
}
