/// A read-only lookup table derived from one family's `PrefixTrie`, for the packet path.
///
/// The trie costs one dependent memory read per bit where the table branches (10-20 reads at a
/// million prefixes); this table costs at most one read per 6 bits after a 16-bit direct index,
/// using the layout of Poptrie (Asai & Ohara, SIGCOMM 2015): each node covers 6 key bits with a
/// 64-bit `children` bitmap (which of the 64 slots continue in a deeper node) and a 64-bit
/// `leafStarts` bitmap (where a run of equal answers begins among the other slots). A slot's child
/// or answer is found by counting set bits below it, so children and answers are stored densely.
/// An answer is the peer slot of the longest matching prefix; neighbouring slots with the same
/// answer share one entry. (`lookupEntry`, which needs the prefix too, walks the trie.)
///
/// In "jump" mode (used for IPv6, whose long random prefixes would each need a chain of sparse
/// nodes) only the direct index is built, and a slot the index cannot answer holds a
/// continuation: the trie node to resume the walk from and the answer inherited above it.
///
/// It is rebuilt from the trie, never updated in place: the trie stays the source of truth.
final class Poptrie<Key: TrieKey> {
    struct Node {
        var children: UInt64 = 0
        var leafStarts: UInt64 = 0
        var firstAnswer: UInt32 = 0
        var firstChild: UInt32 = 0
    }

    /// Bits resolved by the direct index, and by each node below it.
    static var directBits: Int { 16 }
    static var stride: Int { 6 }
    /// Set in a direct entry that names a node; otherwise the entry is an answer index.
    static var nodeFlag: UInt32 { 0x8000_0000 }
    /// Set in a direct entry that names a continuation (jump mode). Node, answer and continuation
    /// indices therefore stay below 2^30 (tens of gigabytes of table: not a practical limit).
    static var continuationFlag: UInt32 { 0x4000_0000 }
    /// The answer meaning "no prefix matches".
    static var noAnswer: UInt32 { noIndex }

    private(set) var direct: [UInt32]
    private(set) var nodes: [Node] = []
    /// Per answer: the peer slot of the longest match. Stored in 16 bits while every slot fits
    /// (`UInt16.max` meaning none), else in 32 (`noIndex` meaning none); the other array is empty.
    private(set) var narrowAnswers: [UInt16] = []
    private(set) var wideAnswers: [UInt32] = []
    private(set) var isWide = false
    /// Per answer, the trie node of the longest match, when built `withEntries` (else empty).
    private(set) var answerNodes: [UInt32] = []
    let hasEntries: Bool
    /// Jump mode: per continuation, the trie node to resume from (low 32 bits) and the longest
    /// match above it (high 32 bits; a trie node or `noIndex`).
    private(set) var continuations: [UInt64] = []

    /// `withEntries` also records each answer's trie node, so `entryNode(for:in:)` can return the
    /// prefix; that costs 4 more bytes per answer and merges fewer answers.
    init(building trie: PrefixTrie<Key>, jumpOnly: Bool = false, withEntries: Bool = false) {
        direct = []
        hasEntries = withEntries
        var builder = PoptrieBuilder(trie: trie, jumpOnly: jumpOnly, withEntries: withEntries)
        builder.build(into: self)
    }

    /// Index of the answer for a direct `entry` that is not a continuation. No allocation.
    @inline(__always)
    func answer(for key: Key, entry first: UInt32) -> Int {
        var entry = first
        if entry & Poptrie.nodeFlag == 0 { return Int(entry) }
        return nodes.withUnsafeBufferPointer { nodes in
            var offset = Poptrie.directBits
            while true {
                let node = nodes[Int(entry & ~Poptrie.nodeFlag)]
                let slot = UInt64(truncatingIfNeeded: key.bits(at: offset, count: Poptrie.stride))
                let upToSlot = (UInt64(2) &<< slot) &- 1
                if (node.children &>> slot) & 1 != 0 {
                    entry = node.firstChild &+ UInt32((node.children & upToSlot).nonzeroBitCount) &- 1
                    offset += Poptrie.stride
                } else {
                    return Int(node.firstAnswer &+ UInt32((node.leafStarts & upToSlot).nonzeroBitCount) &- 1)
                }
            }
        }
    }

    /// Peer slot of the longest match for `key`, or `noIndex`; `trie` is the trie this table was
    /// built from (continuations resume in it).
    @inline(__always)
    func peerSlot(for key: Key, in trie: PrefixTrie<Key>) -> UInt32 {
        let entry = direct.withUnsafeBufferPointer { $0[key.bits(at: 0, count: Poptrie.directBits)] }
        if entry & Poptrie.continuationFlag != 0 {
            let node = resume(key, entry, in: trie)
            return node == noIndex ? noIndex : trie[node].peerSlot
        }
        let index = answer(for: key, entry: entry)
        if isWide { return wideAnswers.withUnsafeBufferPointer { $0[index] } }
        let narrow = narrowAnswers.withUnsafeBufferPointer { $0[index] }
        return narrow == .max ? noIndex : UInt32(narrow)
    }

    /// Trie node of the longest match for `key`, or `noIndex`. Only for tables built `withEntries`.
    func entryNode(for key: Key, in trie: PrefixTrie<Key>) -> UInt32 {
        let entry = direct.withUnsafeBufferPointer { $0[key.bits(at: 0, count: Poptrie.directBits)] }
        if entry & Poptrie.continuationFlag != 0 { return resume(key, entry, in: trie) }
        return answerNodes[answer(for: key, entry: entry)]
    }

    /// Follows a continuation: the walk below its trie node, or the match inherited above it.
    @inline(__always)
    private func resume(_ key: Key, _ entry: UInt32, in trie: PrefixTrie<Key>) -> UInt32 {
        let continuation = continuations[Int(entry & ~Poptrie.continuationFlag)]
        let node = trie.longestMatch(key, from: UInt32(truncatingIfNeeded: continuation))
        return node != noIndex ? node : UInt32(truncatingIfNeeded: continuation >> 32)
    }

    var nodeCount: Int { nodes.count }
    var answerCount: Int { isWide ? wideAnswers.count : narrowAnswers.count }

    /// Bytes held by the table's arrays (built to exact capacity).
    var usedBytes: Int {
        direct.capacity * 4 + nodes.capacity * MemoryLayout<Node>.stride + continuations.capacity * 8
            + narrowAnswers.capacity * 2 + wideAnswers.capacity * 4 + answerNodes.capacity * 4
    }

    /// Takes the built arrays, copied to exact capacity (the builder's growth slack is dropped).
    func store(direct: [UInt32], nodes: [Node], answerPeers: [UInt32], answerNodes: [UInt32],
               continuations: [UInt64]) {
        self.direct = direct
        self.answerNodes = answerNodes.withUnsafeBufferPointer { Array($0) }
        self.continuations = continuations.withUnsafeBufferPointer { Array($0) }
        self.nodes = nodes.withUnsafeBufferPointer { Array($0) }
        isWide = answerPeers.contains { $0 != noIndex && $0 >= UInt32(UInt16.max) }
        if isWide {
            wideAnswers = answerPeers.withUnsafeBufferPointer { Array($0) }
        } else {
            narrowAnswers = answerPeers.map { $0 == noIndex ? .max : UInt16(truncatingIfNeeded: $0) }
        }
    }
}
