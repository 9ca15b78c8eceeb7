/// A set of IP addresses (both families) held as its smallest list of prefixes: the arithmetic
/// behind `wgsim calc` ("all of 0.0.0.0/0 except my LAN, as AllowedIPs").
///
/// The canonical form is the list of maximal prefixes the set contains. Those never overlap,
/// and no two of them are siblings (two halves of one parent would be contained in the parent,
/// so neither was maximal), which is why it is also the shortest list of prefixes whose union is
/// the set: any prefix inside the set lies inside one maximal prefix, so a cover needs at least
/// one prefix per maximal one.
public struct PrefixSet: Equatable, Sendable, CustomStringConvertible {
    /// The minimal cover, sorted IPv4 first, then by address (disjoint, so no ties).
    public let prefixes: [IPPrefix]

    /// The empty set.
    public init() { prefixes = [] }

    /// The union of `prefixes` (overlapping, duplicated or unsorted is fine).
    public init<S: Sequence>(_ prefixes: S) where S.Element == IPPrefix {
        self.prefixes = PrefixSet.minimalCover(prefixes.sorted())
    }

    private init(minimal: [IPPrefix]) { prefixes = minimal }

    public var isEmpty: Bool { prefixes.isEmpty }

    /// Whether `address` is in the set.
    public func contains(_ address: IPAddress) -> Bool {
        prefixes.contains { $0.contains(address) }
    }

    /// Every address in `self` or in `other`.
    public func union(_ other: PrefixSet) -> PrefixSet {
        PrefixSet(prefixes + other.prefixes)
    }

    /// Every address in `self` that is not in `other`.
    public func subtracting(_ other: PrefixSet) -> PrefixSet {
        var pieces: [IPPrefix] = []
        for prefix in prefixes {
            let overlapping = other.prefixes.filter { PrefixSet.overlaps(prefix, $0) }
            PrefixSet.subtract(overlapping, from: prefix, into: &pieces)
        }
        // The pieces are maximal within each input prefix, and input prefixes are neither
        // overlapping nor siblings, but a piece may still complete a sibling pair across two
        // of them; the cover pass settles that.
        return PrefixSet(minimal: PrefixSet.minimalCover(pieces.sorted()))
    }

    /// `A, B, C` — the form an `AllowedIPs =` line takes (empty for the empty set).
    public var description: String { prefixes.map(\.description).joined(separator: ", ") }

    /// Reads a comma-separated list of prefixes as `wg` reads an allowed-IPs value (whitespace
    /// ignored; a bare address is a /32 or /128; `""` is the empty list), keeping `wg`'s warning
    /// for each one written with host bits (those bits are ignored). `+`/`-` marks are refused:
    /// they change a peer's list, and a set has no previous list to change.
    public static func parsingList(_ text: String) throws -> (set: PrefixSet, warnings: [String]) {
        let update = try AllowedIPsUpdate(parsing: text)
        guard update.replacesExisting else {
            throw AddressParseError(text, "'+' and '-' mark changes to a peer's list; give plain prefixes here")
        }
        let prefixes = update.changes.compactMap { change -> IPPrefix? in
            if case .add(let prefix) = change { return prefix }
            return nil
        }
        return (PrefixSet(prefixes), update.warnings)
    }

    // MARK: - Prefix arithmetic

    /// Whether two prefixes share an address: then one contains the other.
    static func overlaps(_ a: IPPrefix, _ b: IPPrefix) -> Bool {
        a.length <= b.length ? a.contains(b.address) : b.contains(a.address)
    }

    /// Whether `outer` contains all of `inner`.
    static func covers(_ outer: IPPrefix, _ inner: IPPrefix) -> Bool {
        outer.length <= inner.length && outer.contains(inner.address)
    }

    /// Appends the maximal prefixes of `prefix` minus `holes` (each of which overlaps it), in
    /// address order. Splits `prefix` in halves until a half meets no hole (kept whole) or lies
    /// inside one (dropped); at most `bitWidth` levels deep, two halves per hole per level.
    static func subtract(_ holes: [IPPrefix], from prefix: IPPrefix, into pieces: inout [IPPrefix]) {
        if holes.isEmpty {
            pieces.append(prefix)
            return
        }
        if holes.contains(where: { covers($0, prefix) }) { return }
        // Every hole is now strictly inside `prefix`, so it is not a host prefix and halves exist.
        for half in halves(of: prefix) {
            subtract(holes.filter { overlaps(half, $0) }, from: half, into: &pieces)
        }
    }

    /// The two prefixes one bit longer than `prefix` (bit `prefix.length` clear, then set).
    static func halves(of prefix: IPPrefix) -> [IPPrefix] {
        let upper: IPAddress
        switch prefix.address {
        case .v4(let a):
            upper = .v4(IPv4Address(a.value | (UInt32(1) << UInt32(31 - prefix.length))))
        case .v6(let a):
            upper = prefix.length < 64
                ? .v6(IPv6Address(high: a.high | (UInt64(1) << UInt64(63 - prefix.length)), low: a.low))
                : .v6(IPv6Address(high: a.high, low: a.low | (UInt64(1) << UInt64(127 - prefix.length))))
        }
        return [IPPrefix(uncheckedAddress: prefix.address, length: prefix.length + 1),
                IPPrefix(uncheckedAddress: upper, length: prefix.length + 1)]
    }

    /// The prefix one bit shorter than `prefix` (nil for a /0).
    static func parent(of prefix: IPPrefix) -> IPPrefix? {
        guard prefix.length > 0 else { return nil }
        return IPPrefix(uncheckedAddress: IPPrefix.mask(prefix.address, to: prefix.length - 1), length: prefix.length - 1)
    }

    /// The maximal prefixes of the union of `sorted` (sorted by `IPPrefix.<`, so a prefix comes
    /// before everything inside it): drops each prefix inside the last one kept, then merges
    /// sibling pairs into their parent; a merged parent may pair with the one before it, so the
    /// kept list works as a stack.
    static func minimalCover(_ sorted: [IPPrefix]) -> [IPPrefix] {
        var kept: [IPPrefix] = []
        for prefix in sorted {
            if let last = kept.last, covers(last, prefix) { continue }
            var current = prefix
            while let last = kept.last, last.length == current.length, let merged = parent(of: current),
                  merged == parent(of: last) {
                kept.removeLast()
                current = merged
            }
            kept.append(current)
        }
        return kept
    }
}

extension PrefixSet {
    /// Why a `calc` expression could not be worked out, in words.
    public struct ExpressionError: Error, Equatable, CustomStringConvertible {
        public let message: String
        public init(_ message: String) { self.message = message }
        public var description: String { message }
    }

    /// Works out `LIST [+|- LIST]…` from left to right (`wgsim calc`, and `calc` in `wgsim table`):
    /// `-` takes the addresses of the next list away, `+` adds them. The words may split a list
    /// at its spaces (`10.0.0.0/8, 10.1.0.0/16 - …`) or hold a whole expression in one quoted
    /// word: an operator is a `-` or `+` standing alone between spaces, and everything between
    /// two operators is one list, read by `parsingList`. Host-bit warnings come back in order.
    public static func evaluating(_ words: [String]) throws -> (set: PrefixSet, warnings: [String]) {
        var lists: [String] = [], operations: [String] = []
        var current: String?
        for token in words.flatMap({ $0.split(whereSeparator: { $0 == " " || $0 == "\t" }) }).map(String.init) {
            if token == "-" || token == "+" {
                guard let list = current else {
                    throw ExpressionError(lists.isEmpty ? "'\(token)' before any list: start with a list of prefixes, e.g. 0.0.0.0/0,::/0 - 192.168.1.0/24"
                                                        : "'\(operations.last ?? token)' and '\(token)' with no list between them")
                }
                lists.append(list)
                operations.append(token)
                current = nil
            } else {
                current = (current ?? "") + token
            }
        }
        if let current { lists.append(current) }
        guard !lists.isEmpty else {
            throw ExpressionError("give a list of prefixes, then '-' or '+' and another list, e.g. 0.0.0.0/0,::/0 - 192.168.1.0/24")
        }
        guard lists.count > operations.count else {
            throw ExpressionError("'\(operations.last ?? "-")' at the end: a list of prefixes must follow it")
        }
        var warnings: [String] = []
        func list(_ index: Int) throws -> PrefixSet {
            do {
                let (set, found) = try parsingList(lists[index])
                warnings += found
                return set
            } catch let error as AddressParseError {
                throw ExpressionError("list \(index + 1): \(error)")
            }
        }
        var result = try list(0)
        for (index, operation) in operations.enumerated() {
            let operand = try list(index + 1)
            result = operation == "-" ? result.subtracting(operand) : result.union(operand)
        }
        return (result, warnings)
    }
}
