import WireGuard

/// Counts per action and node, kept only for the (node, action) pairs that were logged: a hub's
/// clients mostly log nothing in a run, or a few actions each, where a count per action for
/// every node cost 4 bytes a node for each of the dozen actions a run logs.
///
/// Each node that logged has a chain of `TallyBlock`s, newest first, each holding four actions
/// and their counts; a decision walks its node's chain comparing enum cases (no string hashing
/// or comparison per decision), as many comparisons as the node has distinct actions.
///
/// Counts are 32-bit; a count that reaches 2^32 carries into `carried`, so none is ever lost.
struct ActionTally {
    /// Per node, 1 + the position in `blocks` of its newest block; 0: the node logged nothing.
    private var newestBlock: [UInt32]
    private var blocks: [TallyBlock] = []
    /// Multiples of 2^32 carried out of a count, by its cell (block position × 4 + slot).
    private var carried: [Int: Int] = [:]

    /// Read once (`Action.casePosition(storedByPosition:)`): a static read per decision costs a call.
    private let actionsStoredByPosition = ActionCaseLayout.storedByPosition

    init(nodeCount: Int) { newestBlock = [UInt32](repeating: 0, count: nodeCount) }

    mutating func add(_ action: Action, node: Int) {
        guard node >= 0 && node < newestBlock.count else { return }
        let code = UInt32(action.casePosition(storedByPosition: actionsStoredByPosition))
        let newest = Int(newestBlock[node]) - 1
        var position = newest
        while position >= 0 {
            // The four slots of a block are tested at once (`TallyBlock.slot(of:)`).
            if let slot = blocks[position].slot(of: code) {
                if blocks[position].increment(slot: slot) { carried[position * TallyBlock.slots + slot, default: 0] += 1 << 32 }
                return
            }
            position = Int(blocks[position].older) - 1
        }
        // The node's first time with this action: the newest block's next free slot, or a new block.
        if newest >= 0, let slot = blocks[newest].slot(of: TallyBlock.freeCode) {
            blocks[newest].set(code: code, count: 1, slot: slot)
            return
        }
        var block = TallyBlock(older: UInt32(newest + 1))
        block.set(code: code, count: 1, slot: 0)
        blocks.append(block)
        newestBlock[node] = UInt32(blocks.count)
    }

    /// How often `node` logged `action`.
    func count(_ action: Action, node: Int) -> Int {
        counts(node: node).first { $0.action == action }?.count ?? 0
    }

    /// (action, count) of every action `node` logged, sorted by action name.
    func sorted(node: Int) -> [(action: Action, count: Int)] {
        counts(node: node).sorted { $0.action.rawValue < $1.action.rawValue }
    }

    /// Every action `node` logged with its count, in no particular order.
    private func counts(node: Int) -> [(action: Action, count: Int)] {
        guard node >= 0 && node < newestBlock.count else { return [] }
        var found: [(action: Action, count: Int)] = []
        var position = Int(newestBlock[node]) - 1
        while position >= 0 {
            for slot in 0..<TallyBlock.slots {
                guard let action = blocks[position].action(slot: slot, of: Action.allCases) else { break }
                let cell = position * TallyBlock.slots + slot
                found.append((action, Int(blocks[position][count: slot]) + (carried[cell] ?? 0)))
            }
            position = Int(blocks[position].older) - 1
        }
        return found
    }
}

/// Four of one node's (action, count) cells and the position of its next older block: 24 bytes
/// (the four actions in one 32-bit word).
struct TallyBlock {
    static let slots = 4
    /// A free slot's byte in `codes`: no action has this case position (checked in `set`).
    static let freeCode: UInt32 = 0xFF
    /// The four slots' actions, one byte each (slot 0 in the lowest): the action's position in
    /// `Action.allCases`, `freeCode` for a free slot. Free slots are only at the end.
    private var codes: UInt32 = 0xFFFF_FFFF
    private var counts: (UInt32, UInt32, UInt32, UInt32) = (0, 0, 0, 0)
    /// 1 + the position of the node's next older block; 0: none.
    let older: UInt32

    init(older: UInt32) { self.older = older }

    /// The first slot whose byte is `code` (< 256), or nil: the four bytes tested at once, with
    /// the test for a zero byte of `codes ^ code×0x01010101` (its lowest flagged byte is always
    /// a true match; flags above a match may be false, and are not read).
    @inline(__always)
    func slot(of code: UInt32) -> Int? {
        let x = codes ^ (code &* 0x0101_0101)
        let zeroBytes = (x &- 0x0101_0101) & ~x & 0x8080_8080
        return zeroBytes == 0 ? nil : zeroBytes.trailingZeroBitCount >> 3
    }

    /// The action in `slot`, nil for a free one; `actions` is `Action.allCases`.
    func action(slot: Int, of actions: [Action]) -> Action? {
        let code = Int((codes >> (8 * UInt32(slot))) & 0xFF)
        return code == Int(Self.freeCode) ? nil : actions[code]
    }

    subscript(count slot: Int) -> UInt32 {
        switch slot {
        case 0: return counts.0
        case 1: return counts.1
        case 2: return counts.2
        default: return counts.3
        }
    }

    /// Adds 1 to `slot`'s count; true when it wrapped around to 0 (the caller carries 2^32).
    @inline(__always)
    mutating func increment(slot: Int) -> Bool {
        switch slot {
        case 0: counts.0 &+= 1; return counts.0 == 0
        case 1: counts.1 &+= 1; return counts.1 == 0
        case 2: counts.2 &+= 1; return counts.2 == 0
        default: counts.3 &+= 1; return counts.3 == 0
        }
    }

    /// Puts the action of case position `code` in `slot` with `count`.
    mutating func set(code: UInt32, count: UInt32, slot: Int) {
        precondition(code < Self.freeCode, "an action's case position is below 255")
        let shift = 8 * UInt32(slot)
        codes = codes & ~(0xFF << shift) | code << shift
        switch slot {
        case 0: counts.0 = count
        case 1: counts.1 = count
        case 2: counts.2 = count
        default: counts.3 = count
        }
    }
}
