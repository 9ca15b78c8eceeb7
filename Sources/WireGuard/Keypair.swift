/// One session's transport keys and their state [compat src/noise.h `struct noise_keypair`]:
/// the sending half (key, counter, validity), the receiving half (key, replay window, validity),
/// birth time, the indices both sides use, and who initiated. A class: the device's index table
/// and the peer's slots refer to the same keypair.
public final class Keypair {
    /// The two keys, held inline: two arrays cost two heap objects per keypair, and a hub with
    /// hundreds of thousands of sessions holds a keypair per session on each side.
    // An `InlineKey` is 33 bytes (32 and a length): the three flags and our index fill the
    // rest of the first key's last word, the other index the second's. 136 bytes in all, a
    // 144-byte malloc chunk where 144 bytes took a 160-byte one (a keypair per session on each
    // side of a hub).
    public let sending: InlineKey
    public let isInitiator: Bool
    @exclusivity(unchecked) public var sendingValid = true
    @exclusivity(unchecked) public var receivingValid = true
    /// Our index: the other side puts it in the receiver field of transport messages to us.
    public let localIndex: UInt32
    public let receiving: InlineKey
    /// The other side's index: we put it in the receiver field of what we send.
    public let remoteIndex: UInt32
    public var sendingKey: [UInt8] { sending.bytes }
    public var receivingKey: [UInt8] { receiving.bytes }
    /// When the keys were derived (simulated ns); both halves share it.
    public let birth: Int64
    /// Next nonce to use for sending; starts at 0.
    @exclusivity(unchecked) public var sendCounter: UInt64 = 0
    @exclusivity(unchecked) public var replay = ReplayWindow()

    public init(sendingKey: [UInt8], receivingKey: [UInt8], localIndex: UInt32, remoteIndex: UInt32,
                isInitiator: Bool, birth: Int64) {
        self.sending = InlineKey(sendingKey)
        self.receiving = InlineKey(receivingKey)
        self.localIndex = localIndex
        self.remoteIndex = remoteIndex
        self.isInitiator = isInitiator
        self.birth = birth
    }

    /// `wg_birthdate_has_expired`: expiry is inclusive (`birth + limit <= now`).
    public func hasExpired(after limit: Int64, now: Int64) -> Bool { birth + limit <= now }
}

/// A peer's three keypair slots and the kernel's rotation rules [compat src/noise.c
/// `add_new_keypair`, `wg_noise_received_with_keypair`] (behaviour doc §4.8). Only `current`
/// sends; any registered slot may decrypt. Every operation returns the keypairs it dropped so
/// the owner can unregister their indices.
public struct KeypairSlots {
    public private(set) var previous: Keypair?
    public private(set) var current: Keypair?
    public private(set) var next: Keypair?

    public init() {}

    /// Installs a freshly derived keypair. Initiator (consumed a response): it becomes `current`
    /// at once; the old `next` (if any) becomes `previous` and the old `current` is freed,
    /// otherwise the old `current` becomes `previous`. Responder (sent a response): it waits in
    /// `next` for key confirmation and `previous` is emptied.
    public mutating func install(_ keypair: Keypair) -> [Keypair] {
        var dropped: [Keypair] = []
        if keypair.isInitiator {
            if let oldNext = next {
                if let p = previous { dropped.append(p) }
                if let c = current { dropped.append(c) }
                previous = oldNext
                next = nil
            } else {
                if let p = previous { dropped.append(p) }
                previous = current
            }
            current = keypair
        } else {
            if let n = next { dropped.append(n) }
            if let p = previous { dropped.append(p) }
            next = keypair
            previous = nil
        }
        return dropped
    }

    /// Key confirmation: a packet decrypted under `keypair`. If it is the `next` keypair, rotate
    /// (next -> current -> previous, old previous freed) and return true with what was dropped.
    public mutating func receivedWith(_ keypair: Keypair) -> (confirmed: Bool, dropped: [Keypair]) {
        guard let n = next, n === keypair else { return (false, []) }
        let dropped = previous.map { [$0] } ?? []
        previous = current
        current = n
        next = nil
        return (true, dropped)
    }

    /// Empties all three slots (zero key material, interface down, peer removal).
    public mutating func clear() -> [Keypair] {
        let all = [previous, current, next].compactMap { $0 }
        previous = nil; current = nil; next = nil
        return all
    }

    /// "Expire current keypairs": marks the sending halves of `current` and `next` invalid.
    public func expireSending() {
        current?.sendingValid = false
        next?.sendingValid = false
    }

    public var all: [Keypair] { [previous, current, next].compactMap { $0 } }
}
