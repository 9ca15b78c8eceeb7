import Packet
import Routing
import WireGuard

/// Writes a device decision's explanation (`DecisionText`'s words) into the composer's scratch
/// buffer. The decision's fields already formatted earlier in the same buffer for this line are
/// copied rather than formatted again; a peer's name is the one the composer already looked up.
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

    @inline(__always)
    func write(_ words: StaticString) { out.appendExact(words.utf8Start, count: words.utf8CodeUnitCount) }
    @inline(__always)
    func writeText(_ text: String) { out.append(text) }
    @inline(__always)
    func writePeer() {
        if let peer, let bytes = peer.bytes {
            if peer.count <= 16 { out.appendShort(bytes, count: peer.count) } else { out.append(bytes, count: peer.count) }
        } else {
            out.appendLiteral("unknown peer")
        }
    }
    func writeName(of key: PublicKey) { out.append(names?.name(of: key) ?? key.base64) }
    func writePrefix(_ prefix: IPPrefix) { ByteText.appendPrefix(prefix, to: out) }
    @inline(__always)
    func writePrefix() { if let prefix { out.appendCopy(of: prefix) } }
    @inline(__always)
    func writeCounter() { copyOrDash(counter) }
    /// How often the explanation named the index, and where the last one went in `out` (the text
    /// line puts the index there in tshark's form).
    var receiverIndexWrites = 0
    var receiverIndexWritten = BufferPiece()
    @inline(__always)
    mutating func writeReceiverIndex() {
        receiverIndexWrites += 1
        let start = out.count
        copyOrDash(receiverIndex)
        receiverIndexWritten = BufferPiece(start: start, count: out.count - start)
    }
    @inline(__always)
    func writeEndpoint() {
        if let endpoint { out.appendCopy(of: endpoint) } else { out.appendLiteral("no endpoint") }
    }
    var hasInnerAddress: Bool { header != nil }
    @inline(__always)
    func writeInnerAddress(source wantsSource: Bool) -> Bool {
        if let piece = wantsSource ? source : destination {
            out.appendCopy(of: piece)
        } else if let header {
            ByteText.appendAddress(wantsSource ? header.source : header.destination, to: out)
        } else {
            return false
        }
        return true
    }

    private func copyOrDash(_ piece: BufferPiece?) {
        if let piece { out.appendCopy(of: piece) } else { out.append(0x2D) }
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
