import Packet
import Routing
import WireGuard

/// Writes a device decision's explanation (`DecisionText`'s words) into the composer's scratch
/// buffer. The decision's fields already formatted earlier in the same buffer for this line are
/// copied rather than formatted again; a peer's name is the one the composer already looked up.
/// The words go through a cursor with room reserved once (`finish` counts them), as the lines do.
struct DecisionScratchSink: DecisionTextSink {
    let out: ByteBuffer
    /// The record's peer, named; nil when it has none.
    let peer: PeerText?
    /// Unowned: the record being composed holds them for the sink's (short) life, and a sink
    /// that retains nothing has nothing to release per decision.
    unowned(unsafe) let names: PeerNames?
    /// The inner packet's header, for its addresses when the log could not summarise it.
    let header: IPHeaderView?
    // This record's fields already in `out` (nil where it has none, or for the addresses, where
    // the packet's summary could not be read).
    let source: BufferPiece?
    let destination: BufferPiece?
    let prefix: BufferPiece?
    let counter: BufferPiece?
    let receiverIndex: BufferPiece?
    let endpoint: BufferPiece?
    /// Where the words go, and the room reserved for them: the longest explanation names the
    /// peer and copies the fields a few times each; anything of unknown length (a String, a
    /// formatted prefix) is written through `out` itself (`viaBuffer`).
    private var cursor: ByteCursor
    private let room: Int

    init(out: ByteBuffer, peer: PeerText?, names: PeerNames?, header: IPHeaderView?, source: BufferPiece?,
         destination: BufferPiece?, prefix: BufferPiece?, counter: BufferPiece?, receiverIndex: BufferPiece?,
         endpoint: BufferPiece?) {
        self.out = out
        self.peer = peer
        self.names = names
        self.header = header
        self.source = source
        self.destination = destination
        self.prefix = prefix
        self.counter = counter
        self.receiverIndex = receiverIndex
        self.endpoint = endpoint
        room = 512 + 4 * (peer?.count ?? 0) + 4 * out.count
        cursor = out.cursor(reserving: room)
    }

    /// Counts the words written; call once, when `DecisionText` is done.
    func finish() { out.commit(cursor) }

    @inline(__always)
    mutating func write(_ words: StaticString) { cursor.appendExact(words.utf8Start, count: words.utf8CodeUnitCount) }
    mutating func writeText(_ text: String) { viaBuffer { $0.append(text) } }
    @inline(__always)
    mutating func writePeer() {
        if let peer, let bytes = peer.bytes {
            cursor.appendPadded(bytes, count: peer.count)
        } else {
            cursor.appendLiteral("unknown peer")
        }
    }
    mutating func writeName(of key: PublicKey) {
        let name = names?.name(of: key) ?? key.base64
        viaBuffer { $0.append(name) }
    }
    mutating func writePrefix(_ prefix: IPPrefix) { viaBuffer { ByteText.appendPrefix(prefix, to: $0) } }
    @inline(__always)
    mutating func writePrefix() { if let prefix { copy(prefix) } }
    @inline(__always)
    mutating func writeCounter() { copyOrDash(counter) }
    /// How often the explanation named the index, and where the last one went in `out` (the text
    /// line puts the index there in tshark's form).
    var receiverIndexWrites = 0
    var receiverIndexWritten = BufferPiece()
    @inline(__always)
    mutating func writeReceiverIndex() {
        receiverIndexWrites += 1
        let start = cursor.at - out.base
        copyOrDash(receiverIndex)
        receiverIndexWritten = BufferPiece(start: start, count: cursor.at - out.base - start)
    }
    @inline(__always)
    mutating func writeEndpoint() {
        if let endpoint { copy(endpoint) } else { cursor.appendLiteral("no endpoint") }
    }
    var hasInnerAddress: Bool { header != nil }
    @inline(__always)
    mutating func writeInnerAddress(source wantsSource: Bool) -> Bool {
        if let piece = wantsSource ? source : destination {
            copy(piece)
        } else if let header {
            let address = wantsSource ? header.source : header.destination
            viaBuffer { ByteText.appendAddress(address, to: $0) }
        } else {
            return false
        }
        return true
    }

    /// A piece written earlier in `out`: before the cursor, with the cursor's room behind it, so
    /// it may be read in 16-byte steps.
    @inline(__always)
    private mutating func copy(_ piece: BufferPiece) {
        cursor.appendPadded(UnsafePointer(out.base + piece.start), count: piece.count)
    }

    private mutating func copyOrDash(_ piece: BufferPiece?) {
        if let piece { copy(piece) } else { cursor.append(0x2D) }
    }

    /// Runs `write`, which appends to `out` through its own methods, between counting what the
    /// cursor wrote and taking it again.
    private mutating func viaBuffer(_ write: (ByteBuffer) -> Void) {
        let out = self.out
        out.commit(cursor)
        write(out)
        cursor = out.cursor(reserving: room)
    }
}

/// A peer's name as UTF-8 bytes the log composer keeps (`count` bytes at `bytes`, with at least
/// 16 readable from `bytes`), valid while the composer writes one record.
struct PeerText {
    let bytes: UnsafePointer<UInt8>?
    let count: Int
    /// Whether the name can go into a JSON string as it is.
    let isPlainJSON: Bool
}
