/// One `allowed-ips` value of `wg set wg0 peer P allowed-ips VALUE`, parsed as wireguard-tools
/// reads it and applied as the kernel applies it (§1.6, §1.11):
///
/// * `"A,B"` replaces the peer's whole list (old entries removed, then A, B inserted in order);
/// * `""` replaces it with nothing;
/// * if any element starts with `+` or `-`, the whole value is incremental: `+X` and bare `X`
///   are inserted, `-X` is removed if the peer owns exactly X; entries apply in order.
///
/// Whitespace anywhere in the value is ignored (`wg` strips it) [tools src/config.c
/// `config_read_cmd`, `parse_allowedips`]. A malformed element makes the whole value invalid, as
/// `wg` rejects the command before telling the kernel anything.
public struct AllowedIPsUpdate: Equatable, Sendable, CustomStringConvertible {
    /// One element of the value.
    public enum Change: Equatable, Sendable {
        case add(IPPrefix)
        case remove(IPPrefix)
    }

    /// True unless some element carried `+` or `-` (the peer flag `WGPEER_F_REPLACE_ALLOWEDIPS`).
    public let replacesExisting: Bool
    /// The elements in order.
    public let changes: [Change]
    /// `wg`'s warnings, e.g. `AllowedIP has nonzero host part: 10.0.0.1/24`.
    public let warnings: [String]

    public init(replacesExisting: Bool, changes: [Change], warnings: [String] = []) {
        self.replacesExisting = replacesExisting
        self.changes = changes
        self.warnings = warnings
    }

    /// A replacing update that installs `prefixes` in order (what a config file's `AllowedIPs =`
    /// lines amount to).
    public init(replacingWith prefixes: [IPPrefix]) {
        self.init(replacesExisting: true, changes: prefixes.map { .add($0) })
    }

    public init(parsing value: String) throws {
        let stripped = String(value.unicodeScalars.filter { !AllowedIPsUpdate.isSpace($0) })
        var replaces = true
        var changes: [Change] = []
        var warnings: [String] = []
        if !stripped.isEmpty {
            for element in stripped.split(separator: ",", omittingEmptySubsequences: false) {
                var text = Substring(element)
                var removing = false
                if let sign = text.first, sign == "+" || sign == "-" {
                    replaces = false
                    removing = sign == "-"
                    text = text.dropFirst()
                }
                guard !text.isEmpty else {
                    throw AddressParseError(String(element), "empty allowed IP")
                }
                let prefix = try IPPrefix(parsing: String(text))
                if let address = try? IPAddress(parsing: String(text.prefix(while: { $0 != "/" }))),
                   IPPrefix.hasHostBits(address, length: prefix.length) {
                    warnings.append("AllowedIP has nonzero host part: \(text)")
                }
                changes.append(removing ? .remove(prefix) : .add(prefix))
            }
        }
        self.init(replacesExisting: replaces, changes: changes, warnings: warnings)
    }

    /// Applies the update to `peer`'s entries, in the kernel's order: the replace first, then each
    /// element in turn (so `+X,-X` ends without X and `-X,+X` with it).
    @inlinable
    public func apply<P>(to table: AllowedIPs<P>, peer: P) {
        if replacesExisting { table.removeAll(for: peer) }
        for change in changes {
            switch change {
            case .add(let prefix): table.insert(prefix, for: peer)
            case .remove(let prefix): table.remove(prefix, for: peer)
            }
        }
    }

    /// The value as `wg set` would take it back: `A,B`, `+A,-B`, or empty.
    public var description: String {
        changes.map { change -> String in
            switch change {
            case .add(let prefix): return replacesExisting ? "\(prefix)" : "+\(prefix)"
            case .remove(let prefix): return "-\(prefix)"
            }
        }.joined(separator: ",")
    }

    /// `char_is_space` of wireguard-tools: space, tab, newline, vertical tab, form feed, return.
    private static func isSpace(_ scalar: Unicode.Scalar) -> Bool {
        scalar == " " || ("\t"..."\r").contains(scalar)
    }
}
