/// A read-only lookup table derived from one family's `PrefixTrie`, for the packet path.
///
/// The trie costs one dependent memory read per bit where the table branches (10-20 reads at a
/// million prefixes); this table costs at most one read per 6 bits after a 16-bit direct index,
/// using the layout of Poptrie (Asai & Ohara, SIGCOMM 2015): each node covers 6 key bits with a
/// 64-bit `children` bitmap (which of the 64 slots continue in a deeper node) and a 64-bit
/// `leafStarts` bitmap (where a run of equal answers begins among the other slots). A slot's child
/// or answer is found by counting set bits below it, so children and answers are stored densely.
/// Answers are trie node indices (the longest matching prefix), so a lookup also yields the
/// prefix; `answerPeers` holds each answer's peer slot beside it, so `lookup` needs no trie read.
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
    /// The answer meaning "no prefix matches".
    static var noAnswer: UInt32 { noIndex }

    private(set) var direct: [UInt32]
    private(set) var nodes: [Node] = []
    /// Per answer: the trie node of the longest match (`noIndex`: none) and that node's peer slot.
    private(set) var answerNodes: [UInt32] = []
    private(set) var answerPeers: [UInt32] = []

    init(building trie: PrefixTrie<Key>) {
        direct = []
        var builder = PoptrieBuilder(trie: trie)
        builder.build(into: self)
    }

    /// Index into `answerNodes` / `answerPeers` for `key`. No allocation, no recursion.
    @inline(__always)
    func answer(for key: Key) -> Int {
        var entry = direct.withUnsafeBufferPointer { $0[key.bits(at: 0, count: Poptrie.directBits)] }
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

    /// Peer slot of the longest match for `key`, or `noIndex`.
    @inline(__always)
    func peerSlot(for key: Key) -> UInt32 {
        let index = answer(for: key)
        return answerPeers.withUnsafeBufferPointer { $0[index] }
    }

    /// Trie node of the longest match for `key`, or `noIndex`.
    func trieNode(for key: Key) -> UInt32 { answerNodes[answer(for: key)] }

    var nodeCount: Int { nodes.count }
    var answerCount: Int { answerNodes.count }

    /// Bytes held by the table's arrays.
    var allocatedBytes: Int {
        direct.capacity * 4 + nodes.capacity * MemoryLayout<Node>.stride
            + answerNodes.capacity * 4 + answerPeers.capacity * 4
    }

    func store(direct: [UInt32], nodes: [Node], answerNodes: [UInt32], answerPeers: [UInt32]) {
        self.direct = direct
        self.nodes = nodes
        self.answerNodes = answerNodes
        self.answerPeers = answerPeers
    }
}
