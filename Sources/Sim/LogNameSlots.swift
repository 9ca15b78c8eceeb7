import WireGuard

/// The names a log line repeats, kept as UTF-8 bytes for `DecisionLineComposer`: node names and
/// trace file names found by the String's own words, peers by their key. Writing one is then a
/// compare and a 16-byte move instead of a look into a String (docs/performance.md, sessions 9
/// and 10). One per composer, used on the composing thread only.
final class LogNameSlots {
    /// Peer names by key, so that naming a peer costs no hashing: slot = the key's first two
    /// bytes (X25519 public keys are uniformly random), checked against the whole key and the
    /// simulation's `PeerNames`. Names are registered when a simulation is built, before its
    /// first decision, so a name once looked up stays right. A slot keeps the name's UTF-8
    /// bytes, so that writing it (four times in a per-packet decision's two lines) is a copy,
    /// not a look into a String.
    private struct PeerNameSlot {
        var key: [UInt8] = []
        var names: PeerNames?
        var text = PeerText(bytes: nil, count: 0, isPlainJSON: true)
    }
    private static let peerSlotCount = 1024

    /// The strings every line repeats (node names, trace file names) as UTF-8 bytes, found by the
    /// String's own two words: equal words are the same text (a small string's words are its
    /// bytes; a large one's name its storage, which the slot keeps alive). Writing one then
    /// costs a compare and a copy instead of a look into the String and, for JSON, an escape
    /// check per line (docs/performance.md, session 9).
    struct TextSlot {
        var filled = false
        var words: (UInt64, UInt64) = (0, 0)
        var text = ""
        /// The UTF-8 bytes, with at least 16 readable (zeros past the end), so that a short name
        /// is one 16-byte move; a raw pointer, so reading it retains nothing.
        var utf8: UnsafeMutablePointer<UInt8>?
        var count = 0
        var isPlainJSON = true
    }
    private static let textSlotCount = 1024
    /// The trace files of `traceFileNames` known so far, by context origin - 1 (`fileSlot`);
    /// used on the composing thread only.
    @exclusivity(unchecked) private var traceFiles: [String] = []
    @exclusivity(unchecked) private var traceFileNames: PeerNames?
    /// `textSlotCount` slots for node names and the like, then as many for trace file names: a
    /// line holds its node's slot and its file's at once, so the two must not evict each other.
    private let textSlots: UnsafeMutablePointer<TextSlot>
    private let peerSlots: UnsafeMutablePointer<PeerNameSlot>

    init() {
        peerSlots = .allocate(capacity: Self.peerSlotCount)
        peerSlots.initialize(repeating: PeerNameSlot(), count: Self.peerSlotCount)
        textSlots = .allocate(capacity: 2 * Self.textSlotCount)
        textSlots.initialize(repeating: TextSlot(), count: 2 * Self.textSlotCount)
    }

    deinit {
        for i in 0..<Self.peerSlotCount { UnsafeMutablePointer(mutating: peerSlots[i].text.bytes)?.deallocate() }
        peerSlots.deinitialize(count: Self.peerSlotCount)
        peerSlots.deallocate()
        for i in 0..<2 * Self.textSlotCount { textSlots[i].utf8?.deallocate() }
        textSlots.deinitialize(count: 2 * Self.textSlotCount)
        textSlots.deallocate()
    }

    /// `text`'s slot, filled with its bytes if it held another string.
    @inline(__always)
    func textSlot(_ text: String, isFile: Bool = false) -> UnsafeMutablePointer<TextSlot> {
        let words = unsafeBitCast(text, to: (UInt64, UInt64).self)
        let hash = (words.0 ^ words.1 ^ (words.1 >> 29)) &* 0x9E37_79B9_7F4A_7C15
        let table = isFile ? textSlots + Self.textSlotCount : textSlots
        let slot = table + Int(truncatingIfNeeded: hash >> 54) & (Self.textSlotCount - 1)
        if !slot.pointee.filled || slot.pointee.words != words { fill(slot, with: text, words: words) }
        return slot
    }

    /// The slot of the trace file of context origin `origin` in `names`. The file names are
    /// copied from `names` (under its lock) the first time an origin is met, so the records of
    /// one simulation name their file by an array index here, without a String or a lock each.
    @inline(__always)
    func fileSlot(origin: UInt32, of names: PeerNames) -> UnsafeMutablePointer<TextSlot> {
        let i = Int(origin) - 1
        if names !== traceFileNames || i >= traceFiles.count { learnTraceFile(origin, of: names) }
        return textSlot(traceFiles[i], isFile: true)
    }

    @inline(never)
    private func learnTraceFile(_ origin: UInt32, of names: PeerNames) {
        if names !== traceFileNames {
            traceFileNames = names
            traceFiles = []
        }
        while traceFiles.count < Int(origin) { traceFiles.append(names.traceFile(UInt32(traceFiles.count + 1))) }
    }

    @inline(never)
    private func fill(_ slot: UnsafeMutablePointer<TextSlot>, with text: String, words: (UInt64, UInt64)) {
        slot.pointee.utf8?.deallocate()
        let utf8 = Array(text.utf8)
        let padded = Self.paddedCapacity(utf8.count)
        let bytes = UnsafeMutablePointer<UInt8>.allocate(capacity: padded)
        bytes.initialize(repeating: 0, count: padded)
        bytes.update(from: utf8, count: utf8.count)
        slot.pointee = TextSlot(filled: true, words: words, text: text, utf8: bytes, count: utf8.count,
                                isPlainJSON: ByteText.isPlainJSON(text))
    }

    /// A slot's bytes at `cursor` (its storage is padded to a multiple of 16 bytes).
    @inline(__always)
    func appendBytes(of slot: UnsafeMutablePointer<TextSlot>, to cursor: inout ByteCursor) {
        guard let bytes = slot.pointee.utf8 else { return }
        cursor.appendPadded(bytes, count: slot.pointee.count)
    }

    /// A slot's bytes into `out`.
    @inline(__always)
    func appendBytes(of slot: UnsafeMutablePointer<TextSlot>, to out: ByteBuffer) {
        guard let bytes = slot.pointee.utf8 else { return }
        if slot.pointee.count <= 16 {
            out.appendShort(bytes, count: slot.pointee.count)
        } else {
            out.append(bytes, count: slot.pointee.count)
        }
    }

    /// A slot's text as a quoted JSON string (as `ByteText.appendJSONString` writes it); the
    /// room for its escaped form is reserved behind `cursor`.
    @inline(__always)
    func appendJSONString(_ slot: UnsafeMutablePointer<TextSlot>, to cursor: inout ByteCursor) {
        cursor.append(0x22)
        if slot.pointee.isPlainJSON {
            appendBytes(of: slot, to: &cursor)
        } else {
            appendJSONEscapedSlow(slot, to: &cursor)
        }
        cursor.append(0x22)
    }

    @inline(never)
    private func appendJSONEscapedSlow(_ slot: UnsafeMutablePointer<TextSlot>, to cursor: inout ByteCursor) {
        guard let bytes = slot.pointee.utf8 else { return }
        for i in 0..<slot.pointee.count {
            JSONEscape.append(bytes[i]) { cursor.append($0) }
        }
    }

    /// `text`'s bytes as they are (the text line).
    @inline(__always)
    func appendBytes(of text: String, to out: ByteBuffer) {
        appendBytes(of: textSlot(text), to: out)
    }

    /// The record's `peer` (its node name, or base64 for a key that is not a simulated node's)
    /// as bytes, and whether JSON can take it as it is; valid until the next record's lookup.
    @inline(__always)
    func peerText(_ record: borrowing DecisionRecord) -> PeerText? {
        guard let key = record.peerKey else { return nil }
        let names = record.names
        let first = key.bytes.withUnsafeBytes { $0.count >= 2 ? Int($0.load(as: UInt16.self)) : 0 }
        let slot = peerSlots + first & (Self.peerSlotCount - 1)
        if slot.pointee.names === names && slot.pointee.key == key.bytes { return slot.pointee.text }
        return fillPeer(slot, key: key, names: names)
    }

    @inline(never)
    private func fillPeer(_ slot: UnsafeMutablePointer<PeerNameSlot>, key: PublicKey, names: PeerNames?) -> PeerText {
        // base64 needs no escaping; a name may.
        let name = names?.name(of: key) ?? key.base64
        UnsafeMutablePointer(mutating: slot.pointee.text.bytes)?.deallocate()
        let utf8 = Array(name.utf8)
        let padded = Self.paddedCapacity(utf8.count)
        let bytes = UnsafeMutablePointer<UInt8>.allocate(capacity: padded)
        bytes.initialize(repeating: 0, count: padded)
        bytes.update(from: utf8, count: utf8.count)
        let text = PeerText(bytes: UnsafePointer(bytes), count: utf8.count, isPlainJSON: ByteText.isPlainJSON(name))
        slot.pointee = PeerNameSlot(key: key.bytes, names: names, text: text)
        return text
    }

    /// Bytes to allocate for a name of `count` bytes: a multiple of 16, at least 16 (any name
    /// may then be copied in 16-byte moves).
    private static func paddedCapacity(_ count: Int) -> Int { max(16, (count + 15) & ~15) }
}
