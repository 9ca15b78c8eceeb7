import Routing

/// A table's entries as a tree: each entry under the narrowest other entry that contains it
/// (what the kernel's trie would consult after it on a lookup), IPv4 before IPv6.
struct PeerTableLayout {
    struct Row {
        let entry: PeerTableEntry
        /// 0 for an entry no other entry contains.
        let depth: Int
        /// Row of the entry it sits under, nil at the top.
        let parent: Int?
        /// Whether it is the last child of its parent (for the text tree's └──).
        var isLast = true
        /// Rows of the entries directly under it.
        var children: [Int] = []
    }

    private(set) var rows: [Row] = []
    /// Entries past `limit`, not laid out.
    let omitted: Int

    /// Lays out the first `limit` entries (in prefix order, so every kept entry keeps its parent).
    init(_ table: PeerTableSnapshot, limit: Int = .max) {
        var stack: [Int] = []
        omitted = max(0, table.entries.count - max(0, limit))
        for entry in table.entries.prefix(max(0, limit)) {
            while let top = stack.last, !Self.contains(rows[top].entry.prefix, entry.prefix) { stack.removeLast() }
            let parent = stack.last
            let index = rows.count
            rows.append(Row(entry: entry, depth: stack.count, parent: parent))
            if let parent { rows[parent].children.append(index) }
            stack.append(index)
        }
        var lastTop: Int?
        for i in rows.indices {
            if rows[i].parent == nil {
                if let previous = lastTop { rows[previous].isLast = false }
                lastTop = i
            }
            for child in rows[i].children.dropLast() { rows[child].isLast = false }
        }
    }

    /// Whether `outer` holds all of `inner` (and is wider).
    static func contains(_ outer: IPPrefix, _ inner: IPPrefix) -> Bool {
        outer.isIPv4 == inner.isIPv4 && outer.length < inner.length && outer.contains(inner.address)
    }

    /// Where `inner` starts within `outer`'s range, as a fraction 0…1 (from the address bits
    /// after `outer`'s length; the first 53 are plenty for a drawing).
    static func offset(of inner: IPPrefix, within outer: IPPrefix) -> Double {
        let bytes = inner.address.bytes
        let bits = bytes.count * 8
        var fraction = 0.0, weight = 0.5
        var bit = outer.length
        while bit < min(bits, outer.length + 53) {
            if bytes[bit / 8] & (0x80 >> UInt8(bit % 8)) != 0 { fraction += weight }
            weight /= 2
            bit += 1
        }
        return fraction
    }

    /// The share of `outer`'s range that `inner` covers.
    static func share(of inner: IPPrefix, within outer: IPPrefix) -> Double {
        let difference = max(0, inner.length - outer.length)
        return difference >= 1023 ? 0 : pow2(-difference)
    }

    private static func pow2(_ exponent: Int) -> Double {
        var value = 1.0
        for _ in 0..<(-exponent) { value /= 2 }
        return value
    }
}
