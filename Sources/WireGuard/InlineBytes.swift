/// Key and MAC bytes held in words inside the value that owns them, instead of an array (a heap
/// object each): a big hub keeps several per session on each side.

/// Copies the first bytes of `bytes` (as many as fit) into `words`; the rest stays zero.
func copyInline<Words>(_ bytes: [UInt8], into words: inout Words) {
    withUnsafeMutableBytes(of: &words) { out in
        bytes.withUnsafeBytes { from in
            let n = min(out.count, from.count)
            if n > 0, let to = out.baseAddress, let source = from.baseAddress { to.copyMemory(from: source, byteCount: n) }
        }
    }
}

/// 32 key bytes in four words: a keypair's transport keys, a peer's static-static DH, the key a
/// key-log line names.
public struct InlineKey: TransportKeyBytes, Sendable, Hashable {
    private var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
    /// The length of the bytes it was made from, at most 255 (a key that was not 32 bytes stays
    /// unusable, and keys of different lengths differ).
    private let length: UInt8

    /// The key `bytes` (the first 32 if longer; a shorter one is kept padded and reported short).
    public init(_ bytes: [UInt8]) {
        length = UInt8(min(bytes.count, 255))
        copyInline(bytes, into: &words)
    }

    public var keyByteCount: Int { Int(length) }

    public var bytes: [UInt8] { withUnsafeBytes(of: words) { Array($0.prefix(min(32, Int(length)))) } }

    public func withKeyBytes<R>(_ body: (UnsafePointer<UInt8>) -> R) -> R {
        withUnsafeBytes(of: words) { body($0.baseAddress!.assumingMemoryBound(to: UInt8.self)) }
    }

    public static func == (a: InlineKey, b: InlineKey) -> Bool {
        a.length == b.length && a.words.0 == b.words.0 && a.words.1 == b.words.1
            && a.words.2 == b.words.2 && a.words.3 == b.words.3
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(length)
        hasher.combine(words.0)
        hasher.combine(words.1)
        hasher.combine(words.2)
        hasher.combine(words.3)
    }
}

/// A 16-byte MAC in two words.
struct InlineMAC: Sendable, Equatable {
    private var words: (UInt64, UInt64) = (0, 0)

    /// The first 16 bytes of `mac` (a MAC1 is 16 bytes; shorter input is padded with zeros).
    init(_ mac: [UInt8]) { copyInline(mac, into: &words) }

    var bytes: [UInt8] { withUnsafeBytes(of: words) { Array($0) } }

    static func == (a: InlineMAC, b: InlineMAC) -> Bool { a.words.0 == b.words.0 && a.words.1 == b.words.1 }
}
