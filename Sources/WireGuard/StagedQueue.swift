/// A peer's queue of packets waiting for a usable session (behaviour doc §2 step 4): before a
/// packet is appended, the oldest are dropped while more than `MAX_STAGED_PACKETS` (128) are
/// held, so with single packets the queue settles at 129 [compat src/device.c `wg_xmit`].
/// A ring buffer: appending and taking from the front cost no shifting. Generic so that it is
/// tested on its own; the device stages `StagedPacket`s.
struct StagedQueue<Element> {
    private var storage: [Element?] = []
    // Head and count in 32 bits each (the ring holds at most a few hundred): 16 bytes in every
    // peer instead of 24, which keeps a cold `Peer` within a 160-byte malloc chunk.
    private var headSlot: UInt32 = 0
    private var storedCount: UInt32 = 0
    private var head: Int {
        get { Int(headSlot) }
        set { headSlot = UInt32(truncatingIfNeeded: newValue) }
    }
    private(set) var count: Int {
        get { Int(storedCount) }
        set { storedCount = UInt32(truncatingIfNeeded: newValue) }
    }

    init() {}

    var isEmpty: Bool { count == 0 }

    /// Appends `packet` after dropping the oldest while more than `limit` are held; returns the
    /// dropped packets, oldest first (each is one `tx_dropped`).
    mutating func append(_ packet: consuming Element,
                                limit: Int = WireGuardConstants.maxStagedPackets) -> [Element] {
        var dropped: [Element] = []
        while count > limit, let oldest = popFirst() { dropped.append(oldest) }
        pushBack(packet)
        return dropped
    }

    /// Removes and returns every packet, oldest first.
    mutating func takeAll() -> [Element] {
        var all: [Element] = []
        all.reserveCapacity(count)
        while let p = popFirst() { all.append(p) }
        return all
    }

    /// Puts `packets` back at the front, keeping their order (the kernel's "requeue at the head
    /// of the staged queue" when no key is usable).
    mutating func prepend(_ packets: [Element]) {
        for p in packets.reversed() { pushFront(p) }
    }

    mutating func popFirst() -> Element? {
        guard count > 0 else { return nil }
        let p = storage[head].take()   // moves the packet out (reading then clearing copied it)
        head = (head + 1) % storage.count
        count -= 1
        // An emptied ring starts over at slot 0: a peer with a session stages and sends one
        // packet at a time, and reusing the slot that shares the array header's cache line
        // keeps it from walking through every line of the ring (one cold line per packet on a
        // hub whose peers outgrow the caches).
        if count == 0 { head = 0 }
        return p
    }

    private mutating func pushBack(_ p: consuming Element) {
        growIfFull()
        storage[(head + count) % storage.count] = p
        count += 1
    }

    private mutating func pushFront(_ p: Element) {
        growIfFull()
        head = (head - 1 + storage.count) % storage.count
        storage[head] = p
        count += 1
    }

    /// Grows from one slot, doubling: a peer with a session stages one packet at a time, and a
    /// hub whose hundreds of thousands of peers each staged a first packet kept eight slots each
    /// (about 0.6 KiB a peer) for the rest of the run.
    private mutating func growIfFull() {
        guard count == storage.count else { return }
        var bigger = [Element?](repeating: nil, count: max(1, storage.count * 2))
        for i in 0..<count { bigger[i] = storage[(head + i) % storage.count] }
        storage = bigger
        head = 0
    }
}
