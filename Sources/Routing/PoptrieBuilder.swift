/// Builds a `Poptrie` from a `PrefixTrie` in one pass over the trie.
///
/// A slot of the direct index or of a node stands for a "region" of addresses (a key prefix).
/// `fill` decides every slot of one chunk by descending the trie inside the chunk: slots no trie
/// node reaches take the inherited answer (the longest owned prefix above the chunk); a trie
/// node that reaches past the chunk's end makes its slot a child, to be built with the node as its
/// cursor. Children are built depth first from an explicit stack; `fill` itself recurses at most
/// one level per bit of the chunk (≤ 17), which cannot overflow.
struct PoptrieBuilder<Key: TrieKey> {
    typealias Node = Poptrie<Key>.Node
    let trie: PrefixTrie<Key>
    /// Build only the direct index; unresolved slots become continuations into the trie.
    let jumpOnly: Bool
    /// Also record each answer's trie node (for `lookupEntry`); runs then merge by node.
    let withEntries: Bool
    private var continuations: [UInt64] = []
    private var answerNodes: [UInt32] = []
    private var nodes: [Node] = []
    private var answerPeers: [UInt32] = []
    /// Scratch for one chunk: per slot, whether it is a child, and its answer (a trie node or
    /// `noIndex`) or, for a child, its cursor and inherited answer.
    private var isChild: [Bool]
    private var value: [UInt32]
    private var inherited: [UInt32]

    init(trie: PrefixTrie<Key>, jumpOnly: Bool, withEntries: Bool) {
        self.trie = trie
        self.jumpOnly = jumpOnly
        self.withEntries = withEntries
        let slots = 1 << Poptrie<Key>.directBits
        isChild = Array(repeating: false, count: slots)
        value = Array(repeating: noIndex, count: slots)
        inherited = Array(repeating: noIndex, count: slots)
    }

    private struct Pending {
        var node: UInt32
        var cursor: UInt32
        var depth: Int
        var inherited: UInt32
    }

    mutating func build(into table: Poptrie<Key>) {
        let directBits = Poptrie<Key>.directBits, stride = Poptrie<Key>.stride
        var pending: [Pending] = []
        fill(cursor: trie.root, depth: 0, end: directBits, first: 0, inherited: noIndex)
        var direct = [UInt32](repeating: 0, count: 1 << directBits)
        var lastLeaf: UInt32? = nil
        for slot in 0..<direct.count {
            if isChild[slot] && jumpOnly {
                continuations.append(UInt64(inherited[slot]) << 32 | UInt64(value[slot]))
                direct[slot] = Poptrie<Key>.continuationFlag | UInt32(continuations.count - 1)
            } else if isChild[slot] {
                nodes.append(Node())
                let index = UInt32(nodes.count - 1)
                direct[slot] = Poptrie<Key>.nodeFlag | index
                pending.append(Pending(node: index, cursor: value[slot], depth: directBits, inherited: inherited[slot]))
            } else {
                if runKey(value[slot]) != lastLeaf {
                    addAnswer(value[slot])
                    lastLeaf = runKey(value[slot])
                }
                direct[slot] = UInt32(answerPeers.count - 1)
            }
        }
        while let item = pending.popLast() {
            fill(cursor: item.cursor, depth: item.depth, end: item.depth + stride, first: 0, inherited: item.inherited)
            var node = Node()
            node.firstAnswer = UInt32(answerPeers.count)
            node.firstChild = UInt32(nodes.count)
            var lastLeaf: UInt32? = nil
            for slot in 0..<(1 << stride) {
                if isChild[slot] {
                    node.children |= 1 << UInt64(slot)
                    nodes.append(Node())
                    pending.append(Pending(node: UInt32(nodes.count - 1), cursor: value[slot],
                                           depth: item.depth + stride, inherited: inherited[slot]))
                } else if runKey(value[slot]) != lastLeaf {
                    node.leafStarts |= 1 << UInt64(slot)
                    addAnswer(value[slot])
                    lastLeaf = runKey(value[slot])
                }
            }
            nodes[Int(item.node)] = node
        }
        table.store(direct: direct, nodes: nodes, answerPeers: answerPeers, answerNodes: answerNodes,
                    continuations: continuations)
    }

    /// Neighbouring slots whose run keys are equal share one answer.
    private func runKey(_ trieNode: UInt32) -> UInt32 { withEntries ? trieNode : peerSlot(of: trieNode) }

    private mutating func addAnswer(_ trieNode: UInt32) {
        answerPeers.append(peerSlot(of: trieNode))
        if withEntries { answerNodes.append(trieNode) }
    }

    /// The answer for a slot whose longest match is `trieNode`: its owner, or `noIndex`.
    private func peerSlot(of trieNode: UInt32) -> UInt32 {
        trieNode == noIndex ? noIndex : trie[trieNode].peerSlot
    }

    /// Decides slots `first ..< first + 2^(end-depth)`: the region of key bits `depth ..< end`
    /// below the region whose trie is rooted at `cursor` (whose key matches the region's first
    /// `depth` bits, and whose cidr is at least `depth`).
    private mutating func fill(cursor: UInt32, depth: Int, end: Int, first: Int, inherited answer: UInt32) {
        let count = 1 << (end - depth)
        guard cursor != noIndex else {
            setLeaves(first, count, answer)
            return
        }
        let node = trie[cursor]
        let cidr = node.cidr
        if cidr >= end {
            // The whole subtree lies inside one slot.
            let slot = first + node.key.bits(at: depth, count: end - depth)
            setLeaves(first, count, answer)
            if cidr == end && node.isLeaf {
                value[slot] = cursor   // a prefix exactly as long as the chunk: an answer
            } else {
                isChild[slot] = true
                value[slot] = cursor
                inherited[slot] = answer
            }
            return
        }
        // The node's prefix covers `span` slots; left and right halves follow its two children.
        let span = 1 << (end - cidr)
        let start = first + node.key.bits(at: depth, count: cidr - depth) << (end - cidr)
        setLeaves(first, start - first, answer)
        setLeaves(start + span, first + count - start - span, answer)
        let below = node.isGlue ? answer : cursor
        fill(cursor: node.child0, depth: cidr + 1, end: end, first: start, inherited: below)
        fill(cursor: node.child1, depth: cidr + 1, end: end, first: start + span / 2, inherited: below)
    }

    private mutating func setLeaves(_ first: Int, _ count: Int, _ answer: UInt32) {
        guard count > 0 else { return }
        for slot in first..<(first + count) {
            isChild[slot] = false
            value[slot] = answer
        }
    }
}
