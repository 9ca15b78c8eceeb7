/// What a decision's two lines are made of besides its varying fields, kept per kind of line:
/// every data packet between two addresses under one session gets lines that differ only in the
/// time, the packet's length, the counter and the trace frame, so `DecisionLineComposer` composes
/// the rest once and afterwards copies it, writing only those fields (docs/performance.md,
/// session 11). The table is set-associative by `LineTemplateKey`'s hash and one composer's (one
/// thread).
///
/// A template is made by composing a record with a marker in place of each varying field
/// (`LineTemplateHole`) and cutting the lines at the markers: the words come from the one
/// composing code, never a second copy of it. A marker is 0xFF and a letter: 0xFF never occurs
/// in UTF-8, so no name or word can be mistaken for one, and JSON escaping and the text line's
/// indentation leave both bytes as they are.
final class DecisionLineTemplates {
    /// One run of constant bytes followed by a field (or the end of the line).
    struct Op {
        var start: UInt32
        var count: UInt32
        var hole: LineTemplateHole
    }

    /// A key and, once made, its template.
    struct Slot {
        var key = LineTemplateKey()
        /// 0: empty; 1: the key was seen once (made on the second sight, so a key seen only once
        /// costs no template); 2: `storage` holds its template; 3: none could be made (the
        /// key's records are composed field by field).
        var state: UInt8 = 0
        /// The JSON line's ops, then the text line's; then the constant bytes they name, with
        /// 32 readable bytes behind the last (`ByteCursor.appendPadded32`; one allocation; nil
        /// while not made).
        var storage: UnsafeMutableRawPointer?
        var jsonOps: Int32 = 0
        var textOps: Int32 = 0
        /// All constant bytes of both lines, for the room a line needs.
        var constantCount: Int32 = 0
        /// A route choice's device name, kept so that its String's words (part of the key) name
        /// the same text while the slot holds them (a large String's words name its storage).
        var device: String?
    }

    /// Four ways to a set, found by a 32-bit tag of the key's hash: a hub's log has a few
    /// templates per peer, and with one way to a slot two busy keys sharing it took it from each
    /// other at every line (measured: a template made every 17 lines).
    private static let setBits = 11
    private static let ways = 4
    private static let slotCount = (1 << setBits) * ways

    /// The slots, each slot's tag (0: empty), and each set's next way to give up when all four
    /// are taken.
    private struct Table {
        let slots: UnsafeMutablePointer<Slot>
        let tags: UnsafeMutablePointer<UInt32>
        let victims: UnsafeMutablePointer<UInt8>
    }
    /// Made with the first key (`forgetAll`): a composer that never writes a data packet's
    /// decision — one made for a single line, as `DecisionRecord.textLine` does — then costs
    /// nothing for it (the table is 8,192 slots of ~100 bytes). Read per decision, so not
    /// checked for exclusivity at run time (one thread, no overlapping access).
    @exclusivity(unchecked) private var table: Table?
    /// The names every key's node position refers to; other names empty the table. Held, so
    /// that another simulation's names cannot take its address while the templates name it.
    @exclusivity(unchecked) private var names: PeerNames?

    init() {}

    deinit {
        guard let table else { return }
        for i in 0..<Self.slotCount { table.slots[i].storage?.deallocate() }
        table.slots.deinitialize(count: Self.slotCount)
        table.slots.deallocate()
        table.tags.deallocate()
        table.victims.deallocate()
    }

    /// The slot for `key`; one of its set's slots is reset to hold `key`, seen once, if none
    /// held it (`isNew`).
    @inline(__always)
    func slot(for key: LineTemplateKey, names current: PeerNames) -> (UnsafeMutablePointer<Slot>, isNew: Bool) {
        if names !== current { forgetAll(names: current) }
        var hash = (key.w0 ^ key.w1) &* 0x9E37_79B9_7F4A_7C15
        hash = (hash ^ key.w2 ^ (key.w6 &* 0xC2B2_AE3D_27D4_EB4F)) &* 0x9E37_79B9_7F4A_7C15
        hash = (hash ^ key.w7 ^ (key.w8 &* 0xC2B2_AE3D_27D4_EB4F)) &* 0x9E37_79B9_7F4A_7C15
        hash = (hash ^ key.w9) &* 0x9E37_79B9_7F4A_7C15
        let first = Int(truncatingIfNeeded: hash >> UInt64(64 - Self.setBits)) * Self.ways
        let tag = UInt32(truncatingIfNeeded: hash) | 1
        let table = self.table.unsafelyUnwrapped   // made by `forgetAll`
        for way in 0..<Self.ways where table.tags[first + way] == tag && table.slots[first + way].key == key {
            return (table.slots + first + way, false)
        }
        return (place(key, tag: tag, first: first, in: table), true)
    }

    /// Resets a slot of the set at `first` (an empty one, else the set's next victim) to hold `key`.
    @inline(never)
    private func place(_ key: LineTemplateKey, tag: UInt32, first: Int, in table: Table) -> UnsafeMutablePointer<Slot> {
        var way = (0..<Self.ways).first { table.tags[first + $0] == 0 } ?? -1
        if way < 0 {
            let set = first / Self.ways
            way = Int(table.victims[set])
            table.victims[set] = UInt8((way + 1) % Self.ways)
        }
        table.tags[first + way] = tag
        let slot = table.slots + first + way
        reset(slot, to: key)
        return slot
    }

    @inline(never)
    private func reset(_ slot: UnsafeMutablePointer<Slot>, to key: LineTemplateKey) {
        slot.pointee.storage?.deallocate()
        slot.pointee = Slot(key: key, state: 1)
    }

    @inline(never)
    private func forgetAll(names current: PeerNames) {
        names = current
        guard let table else {
            let slots = UnsafeMutablePointer<Slot>.allocate(capacity: Self.slotCount)
            slots.initialize(repeating: Slot(), count: Self.slotCount)
            let tags = UnsafeMutablePointer<UInt32>.allocate(capacity: Self.slotCount)
            tags.initialize(repeating: 0, count: Self.slotCount)
            let victims = UnsafeMutablePointer<UInt8>.allocate(capacity: 1 << Self.setBits)
            victims.initialize(repeating: 0, count: 1 << Self.setBits)
            table = Table(slots: slots, tags: tags, victims: victims)
            return
        }
        for i in 0..<Self.slotCount where table.tags[i] != 0 {
            table.slots[i].storage?.deallocate()
            table.slots[i] = Slot()
            table.tags[i] = 0
        }
    }

    /// Makes `slot`'s template from the lines composed with markers, `json` and `text` (without
    /// newlines). Leaves the slot without one (and answers false) if a line holds a marker it
    /// does not know.
    func make(_ slot: UnsafeMutablePointer<Slot>, json: UnsafeBufferPointer<UInt8>, text: UnsafeBufferPointer<UInt8>,
              device: String?) -> Bool {
        var ops: [Op] = []
        var constants: [UInt8] = []
        guard Self.cut(json, into: &ops, constants: &constants) else { return false }
        let jsonOps = ops.count
        guard Self.cut(text, into: &ops, constants: &constants) else { return false }
        let opBytes = ops.count * MemoryLayout<Op>.stride
        let storage = UnsafeMutableRawPointer.allocate(byteCount: opBytes + constants.count + 32,
                                                       alignment: MemoryLayout<Op>.alignment)
        ops.withUnsafeBytes { storage.copyMemory(from: $0.baseAddress!, byteCount: opBytes) }
        constants.withUnsafeBytes { raw in
            if let base = raw.baseAddress { (storage + opBytes).copyMemory(from: base, byteCount: raw.count) }
        }
        (storage + opBytes + constants.count).initializeMemory(as: UInt8.self, repeating: 0, count: 32)
        slot.pointee.storage?.deallocate()
        slot.pointee.storage = storage
        slot.pointee.jsonOps = Int32(jsonOps)
        slot.pointee.textOps = Int32(ops.count - jsonOps)
        slot.pointee.constantCount = Int32(constants.count)
        slot.pointee.device = device
        slot.pointee.state = 2
        return true
    }

    /// Cuts one line at its markers into ops, its constant runs appended to `constants`.
    private static func cut(_ line: UnsafeBufferPointer<UInt8>, into ops: inout [Op], constants: inout [UInt8]) -> Bool {
        guard let base = line.baseAddress else {
            ops.append(Op(start: UInt32(constants.count), count: 0, hole: .end))
            return true
        }
        var i = 0
        while true {
            let rest = UnsafeBufferPointer(start: base + i, count: line.count - i)
            let run = rest.firstIndex(of: LineTemplateHole.markerByte) ?? rest.count
            let start = constants.count
            constants.append(contentsOf: UnsafeBufferPointer(rebasing: rest[0..<run]))
            i += run
            guard i < line.count else {
                ops.append(Op(start: UInt32(start), count: UInt32(run), hole: .end))
                return true
            }
            guard i + 1 < line.count, let hole = LineTemplateHole(letter: line[i + 1]) else { return false }
            ops.append(Op(start: UInt32(start), count: UInt32(run), hole: hole))
            i += 2
        }
    }
}

/// A varying field of a templated line, and the marker that stands for it while the template is made.
enum LineTemplateHole: UInt8, CaseIterable {
    case end = 0
    /// The time in nanoseconds (JSON) or seconds (text).
    case jsonTime, textTime
    /// The inner packet's length.
    case length
    case counter
    /// The trace frame number.
    case frame

    static let markerByte: UInt8 = 0xFF
    private static let letters: [UInt8] = Array("0TtLCF".utf8)

    init?(letter: UInt8) {
        guard let position = Self.letters.firstIndex(of: letter), position > 0 else { return nil }
        self.init(rawValue: UInt8(position))
    }

    /// The letter following the marker byte.
    var letter: UInt8 { Self.letters[Int(rawValue)] }
}

/// What makes two decisions' lines the same but for their varying fields (`LineTemplateHole`):
/// the node, interface, direction, action and kind of explanation, which fields are present, the
/// inner packet's addresses and protocol, and the peer (its key's bytes), prefix, receiver index,
/// endpoint and trace file, or a route choice's route. Only IPv4 prefixes and endpoints are keyed (others are composed as before).
struct LineTemplateKey: Equatable {
    var w0: UInt64 = 0
    var w1: UInt64 = 0
    var w2: UInt64 = 0
    var w3: UInt64 = 0
    var w4: UInt64 = 0
    var w5: UInt64 = 0
    var w6: UInt64 = 0
    var w7: UInt64 = 0
    var w8: UInt64 = 0
    var w9: UInt64 = 0
}
