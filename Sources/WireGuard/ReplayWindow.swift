/// The receive-side replay window of one keypair, following the Linux kernel's
/// `counter_validate` [compat src/receive.c] (behaviour doc §3.4): RFC 6479 style, a ring of
/// 128 64-bit words (8192 bits) of which 8128 form the window on a 64-bit host; nothing is
/// shifted, words are zeroed as the newest counter advances.
///
/// `counter` is the kernel's shifted value: the highest accepted nonce plus one (0 = none yet).
/// Nonces at or above the kernel's `REJECT_AFTER_MESSAGES` are rejected (wireguard-go uses the
/// smaller specification constant and no +1 shift; this model follows the kernel).
public struct ReplayWindow: Sendable {
    static let wordCount = WireGuardConstants.counterBitsTotal / 64   // 128, a power of two

    /// Highest accepted nonce plus one; 0 while nothing has been accepted.
    public private(set) var counter: UInt64 = 0
    /// Word 0 of the ring, inline: a session that has carried fewer than 63 packets needs no
    /// other, and an array for it would cost a 48-byte heap object per keypair.
    private var firstWord: UInt64 = 0
    /// Words 1... of the ring (`words[i - 1]` is word i), grown on demand up to 127 words: words
    /// past the end count as zero, so a session that carries few packets costs a few bytes
    /// instead of 1 KiB (a hub has many sessions).
    private var words: [UInt64] = []

    public init() {}

    /// The highest nonce accepted so far, if any.
    public var highestAccepted: UInt64? { counter == 0 ? nil : counter - 1 }

    /// Accepts `nonce` at most once and only if it is no more than the window behind the
    /// newest accepted nonce; records it. Returns false for a replay, a too-old nonce or a nonce
    /// at the message limit.
    public mutating func validate(_ nonce: UInt64) -> Bool {
        let limit = WireGuardConstants.rejectAfterMessages
        if counter >= limit &+ 1 || nonce >= limit { return false }
        let shifted = nonce + 1   // cannot overflow: nonce < limit < UInt64.max
        if WireGuardConstants.counterWindowSize + shifted < counter { return false }
        let wordIndex = shifted >> 6
        if shifted > counter {
            let currentWord = counter >> 6
            let toClear = min(wordIndex - currentWord, UInt64(ReplayWindow.wordCount))
            var i: UInt64 = 1
            while i <= toClear {
                let w = Int((currentWord &+ i) & UInt64(ReplayWindow.wordCount - 1))
                if w == 0 { firstWord = 0 } else if w <= words.count { words[w - 1] = 0 }
                i += 1
            }
            counter = shifted
        }
        let slot = Int(wordIndex & UInt64(ReplayWindow.wordCount - 1))
        let bit: UInt64 = 1 << (shifted & 63)
        if slot == 0 {
            if firstWord & bit != 0 { return false }
            firstWord |= bit
            return true
        }
        if slot > words.count { words.append(contentsOf: repeatElement(0, count: slot - words.count)) }
        if words[slot - 1] & bit != 0 { return false }
        words[slot - 1] |= bit
        return true
    }
}
