/// Runs of printable ASCII (0x20–0x7E) in a file's bytes, skipped eight bytes at a time: the
/// character checks before a scenario is read (`YAMLTextCheck`, `YAMLSubsetReader`) look at
/// every byte of a file that can be 235 MB (a million-peer hub), almost all of them printable,
/// and a byte at a time that was ~0.25 s a pass (docs/performance.md, session 16).
enum PrintableASCII {
    private static let ones: UInt64 = 0x0101_0101_0101_0101
    private static let highBits: UInt64 = 0x8080_8080_8080_8080

    /// The first position from `start` whose byte is not printable ASCII, or `bytes.count`.
    static func end(of bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Int {
        var i = start
        let n = bytes.count
        if let base = bytes.baseAddress {
            let raw = UnsafeRawPointer(base)
            while i + 8 <= n, isPrintable(raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)) { i += 8 }
        }
        while i < n, isPrintable(bytes[i]) { i += 1 }
        return i
    }

    static func isPrintable(_ byte: UInt8) -> Bool { byte >= 0x20 && byte < 0x7F }

    /// Whether all eight bytes of `word` are printable ASCII: none has its high bit set, none is
    /// below 0x20, none is 0x7F (DEL). Each test is exact for "some byte is": a borrow can only
    /// carry past a byte that already matched (the bit tricks of "Bit Twiddling Hacks").
    static func isPrintable(_ word: UInt64) -> Bool {
        let high = word & highBits
        let below = (word &- 0x20 &* ones) & ~word & highBits
        let del = word ^ (0x7F &* ones)
        let isDel = (del &- ones) & ~del & highBits
        return high | below | isDel == 0
    }
}
