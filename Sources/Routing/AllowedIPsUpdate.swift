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
                if let warning = AllowedIPsUpdate.hostBitsWarning(String(text), prefix: prefix) { warnings.append(warning) }
                changes.append(removing ? .remove(prefix) : .add(prefix))
            }
        }
        self.init(replacesExisting: replaces, changes: changes, warnings: warnings)
    }

    /// Applies the update to `peer`'s entries, in the kernel's order: the replace first, then each
    /// element in turn (so `+X,-X` ends without X and `-X,+X` with it). Returns the entries it
    /// took from other peers, in the order taken (empty when it took none).
    ///
    /// `ownsNothing`: the caller knows `peer` holds no entry (a peer just created), so the
    /// replace has nothing to remove and is not looked for. The peer's slot is looked up once
    /// for a run of insertions rather than per entry (a hub given a million peers paid several
    /// hash lookups a peer here).
    @discardableResult @inlinable
    public func apply<P>(to table: AllowedIPs<P>, peer: P, ownsNothing: Bool = false) -> [AllowedIPsMove<P>] {
        if replacesExisting && !ownsNothing { table.removeAll(for: peer) }
        var moves: [AllowedIPsMove<P>] = []
        // The peer's slot once found; only a removal can free it (insertions add to it).
        var slot: UInt32?
        // A peer owning nothing has no slot: its first is given without looking for one.
        var hasNoSlot = ownsNothing
        for change in changes {
            switch change {
            case .add(let prefix):
                guard let found = slot ?? (hasNoSlot ? table.newSlot(for: peer) : table.slotFor(peer)) else {
                    continue   // the table is full: nothing inserted
                }
                slot = found
                hasNoSlot = false
                let taken = table.insert(prefix, slot: found)
                // A previous owner left with nothing is so from its last entry taken on: it
                // cannot lose one again, nor gain one (only `peer`'s entries change), so the
                // flag falls on that last entry, as "left empty once every element is in".
                if let previous = taken.previousOwner {
                    moves.append(AllowedIPsMove(prefix: prefix, previousOwner: previous,
                                                previousOwnerLeftEmpty: taken.previousOwnerLeftEmpty))
                }
            case .remove(let prefix):
                table.remove(prefix, for: peer)
                slot = nil
            }
        }
        return moves
    }

    /// What `wg` prints for an allowed IP written with host bits (`10.10.5.7/16`), naming the
    /// entry it really is (`10.10.0.0/16`); nil when `text` has none. `prefix` is `text` parsed.
    /// The one wording of this warning: `wgsim table`, `wg set` events, scenario `allowed-ips`
    /// and wg-quick `AllowedIPs` all use it.
    public static func hostBitsWarning(_ text: String, prefix: IPPrefix) -> String? {
        guard let address = try? IPAddress(parsing: String(text.prefix(while: { $0 != "/" }))),
              IPPrefix.hasHostBits(address, length: prefix.length) else { return nil }
        return "AllowedIP has nonzero host part: \(text) (the entry is \(prefix))"
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

/// An allowed-IPs entry that changed owner: an exact prefix another peer held, now claimed by
/// the peer an update was applied to (§1.4: the kernel moves it, it does not refuse or share).
public struct AllowedIPsMove<Peer> {
    /// The entry (as every `IPPrefix`, host bits cleared).
    public var prefix: IPPrefix
    /// The peer that held it until now.
    public var previousOwner: Peer
    /// True when the update left that peer with no allowed IPs at all (set on the last entry
    /// the update took from it).
    public var previousOwnerLeftEmpty: Bool

    public init(prefix: IPPrefix, previousOwner: Peer, previousOwnerLeftEmpty: Bool) {
        self.prefix = prefix
        self.previousOwner = previousOwner
        self.previousOwnerLeftEmpty = previousOwnerLeftEmpty
    }
}

extension AllowedIPsMove: Equatable where Peer: Equatable {}
