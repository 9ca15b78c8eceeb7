/// "No node here": the null child, glue owner, end of a list.
let noIndex: UInt32 = .max

/// One node of the compressed binary trie, stored by index in `PrefixTrie.nodes`.
///
/// Field meanings follow the kernel's `struct allowedips_node` (§1.2) without the parent pointer:
/// removal finds parents by walking down from the root with the node's key, so a node needs no
/// back link. The owning peer and the prefix length share one word to keep an IPv4 node at 24 bytes.
struct TrieNode<Key: TrieKey> {
    /// The prefix, host bits zeroed.
    var key: Key
    /// Children chosen by key bit number `cidr`.
    var child0: UInt32 = noIndex
    var child1: UInt32 = noIndex
    /// Neighbours in the owning peer's list (`EntryRef` values), the kernel's `peer_list`.
    var previous: UInt32 = noIndex
    var next: UInt32 = noIndex
    /// `cidr << 24 | peer slot`; the slot `TrieNode.glue` marks a glue (peer-less) node.
    var tag: UInt32

    static var glue: UInt32 { 0x00FF_FFFF }

    init(key: Key, cidr: Int, peerSlot: UInt32) {
        self.key = key
        self.tag = UInt32(cidr) << 24 | peerSlot
    }

    var cidr: Int { Int(tag >> 24) }
    var peerSlot: UInt32 {
        get { tag & TrieNode.glue }
        set { tag = tag & 0xFF00_0000 | newValue }
    }
    var isGlue: Bool { peerSlot == TrieNode.glue }
    var hasTwoChildren: Bool { child0 != noIndex && child1 != noIndex }
    var isLeaf: Bool { child0 == noIndex && child1 == noIndex }

    func child(_ bit: Int) -> UInt32 { bit == 0 ? child0 : child1 }
    mutating func setChild(_ bit: Int, _ index: UInt32) {
        if bit == 0 { child0 = index } else { child1 = index }
    }
}

/// One family's compressed binary trie with the kernel's placement and removal rules
/// [compat src/allowedips.c `add`, `node_placement`, `remove_node`; §1.4, §1.5, §1.7].
///
/// Nodes live in one contiguous array and refer to each other by index; freed slots are reused
/// through a free list threaded through `child0`. Nothing here recurses.
struct PrefixTrie<Key: TrieKey> {
    private(set) var nodes: [TrieNode<Key>] = []
    private(set) var root: UInt32 = noIndex
    private var freeHead: UInt32 = noIndex
    /// Nodes in use (peer nodes plus glue nodes).
    private(set) var liveNodes = 0

    var isEmpty: Bool { root == noIndex }

    subscript(index: UInt32) -> TrieNode<Key> {
        get { nodes[Int(index)] }
        set { nodes[Int(index)] = newValue }
    }

    /// The kernel's walk for insert and single removal: the deepest node whose prefix is a prefix
    /// of (key, cidr) and whose length is at most cidr; `exact` when its length equals cidr.
    func placement(of key: Key, cidr: Int) -> (parent: UInt32, exact: Bool) {
        var parent = noIndex
        var index = root
        while index != noIndex {
            let node = nodes[Int(index)]
            guard node.cidr <= cidr, key.commonPrefixLength(with: node.key) >= node.cidr else { break }
            parent = index
            if node.cidr == cidr { return (parent, true) }
            index = node.child(key.bit(node.cidr))
        }
        return (parent, false)
    }

    /// Finds or creates the node for (key, cidr) as the kernel's `add` does (§1.4 steps 4-7).
    /// A created node starts peer-less; the caller gives it an owner at once.
    mutating func findOrInsert(_ rawKey: Key, cidr: Int) -> (node: UInt32, created: Bool) {
        let key = rawKey.masked(to: cidr)
        let (parent, exact) = placement(of: key, cidr: cidr)
        if exact { return (parent, false) }
        let fresh = allocate(TrieNode(key: key, cidr: cidr, peerSlot: TrieNode<Key>.glue))
        let slotBit = parent == noIndex ? 0 : key.bit(nodes[Int(parent)].cidr)
        let down = parent == noIndex ? root : nodes[Int(parent)].child(slotBit)
        if down == noIndex {
            setSlot(parent: parent, bit: slotBit, to: fresh)
            return (fresh, true)
        }
        let downNode = nodes[Int(down)]
        let common = min(cidr, key.commonPrefixLength(with: downNode.key))
        if common == cidr {
            // The new prefix covers `down`: it takes down's place and down hangs below it.
            nodes[Int(fresh)].setChild(downNode.key.bit(cidr), down)
            setSlot(parent: parent, bit: slotBit, to: fresh)
        } else {
            // The two diverge at bit `common`: a glue node holds both.
            let glue = allocate(TrieNode(key: key.masked(to: common), cidr: common, peerSlot: TrieNode<Key>.glue))
            nodes[Int(glue)].setChild(downNode.key.bit(common), down)
            nodes[Int(glue)].setChild(key.bit(common), fresh)
            setSlot(parent: parent, bit: slotBit, to: glue)
        }
        return (fresh, true)
    }

    /// The kernel's `remove_node` after the owner was cleared (§1.5 steps 2-5): a node with two
    /// children stays as glue; otherwise its only child (or nothing) takes its place, and a glue
    /// parent left with one child is spliced out too.
    mutating func prune(_ index: UInt32) {
        let node = nodes[Int(index)]
        if node.hasTwoChildren { return }
        // Walk down from the root to find the parent and grandparent (no parent pointers).
        var grandparent = noIndex, parent = noIndex, cursor = root
        while cursor != index && cursor != noIndex {
            let cidr = nodes[Int(cursor)].cidr
            guard cidr < Key.width else { return }   // a host route has no children
            grandparent = parent
            parent = cursor
            cursor = nodes[Int(cursor)].child(node.key.bit(cidr))
        }
        guard cursor == index else { return }   // not in this trie: nothing to prune
        let only = node.child0 != noIndex ? node.child0 : node.child1
        let parentBit = parent == noIndex ? 0 : node.key.bit(nodes[Int(parent)].cidr)
        setSlot(parent: parent, bit: parentBit, to: only)
        release(index)
        guard node.isLeaf, parent != noIndex, nodes[Int(parent)].isGlue else { return }
        let parentNode = nodes[Int(parent)]
        let sibling = parentNode.child(1 - parentBit)
        let grandBit = grandparent == noIndex ? 0 : parentNode.key.bit(nodes[Int(grandparent)].cidr)
        setSlot(parent: grandparent, bit: grandBit, to: sibling)
        release(parent)
    }

    /// Longest-prefix match (§1.7, the kernel's `find_node`): the deepest owned node on the path
    /// whose prefix matches, or `noIndex`; `start` resumes a walk below the root. No allocation.
    @inline(__always)
    func longestMatch(_ key: Key, from start: UInt32? = nil) -> UInt32 {
        var best = noIndex
        var index = start ?? root
        while index != noIndex {
            let node = nodes[Int(index)]
            guard key.commonPrefixLength(with: node.key) >= node.cidr else { break }
            if !node.isGlue { best = index }
            if node.cidr == Key.width { break }
            index = node.child(key.bit(node.cidr))
        }
        return best
    }

    /// Every owned node whose prefix matches `key`, least specific first (they all lie on the
    /// lookup path, because a prefix of the key is an ancestor of the key's position).
    func allMatches(_ key: Key) -> [UInt32] {
        var found: [UInt32] = []
        var index = root
        while index != noIndex {
            let node = nodes[Int(index)]
            guard key.commonPrefixLength(with: node.key) >= node.cidr else { break }
            if !node.isGlue { found.append(index) }
            if node.cidr == Key.width { break }
            index = node.child(key.bit(node.cidr))
        }
        return found
    }

    /// Counts glue nodes (for tests and the benchmark's memory report).
    var glueNodes: Int {
        var count = 0
        var stack: [UInt32] = root == noIndex ? [] : [root]
        while let index = stack.popLast() {
            let node = nodes[Int(index)]
            if node.isGlue { count += 1 }
            if node.child0 != noIndex { stack.append(node.child0) }
            if node.child1 != noIndex { stack.append(node.child1) }
        }
        return count
    }

    /// Bytes of the node array in use (live nodes and free-list holes; growth slack excluded,
    /// as untouched capacity is not resident).
    var usedBytes: Int { nodes.count * MemoryLayout<TrieNode<Key>>.stride }

    private mutating func setSlot(parent: UInt32, bit: Int, to index: UInt32) {
        if parent == noIndex { root = index } else { nodes[Int(parent)].setChild(bit, index) }
    }

    private mutating func allocate(_ node: TrieNode<Key>) -> UInt32 {
        liveNodes += 1
        if freeHead != noIndex {
            let index = freeHead
            freeHead = nodes[Int(index)].child0
            nodes[Int(index)] = node
            return index
        }
        nodes.append(node)
        return UInt32(nodes.count - 1)
    }

    private mutating func release(_ index: UInt32) {
        liveNodes -= 1
        var dead = TrieNode(key: Key.zeroKey, cidr: 0, peerSlot: TrieNode<Key>.glue)
        dead.child0 = freeHead
        nodes[Int(index)] = dead
        freeHead = index
        if liveNodes == 0 {
            // Empty again: drop the storage so an emptied table holds no memory.
            nodes.removeAll()
            freeHead = noIndex
        }
    }
}
