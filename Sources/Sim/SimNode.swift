import Routing
import WireGuard

/// One simulated host's state: eth0 (underlay address, up/down), the kernel route table, an
/// optional wg0 bound to a WireGuard `Device`, the local stack's counters and the capture sinks.
///
/// Its state is `@exclusivity(unchecked)`, as `Device`'s is: the engine drives one node at a time
/// from one thread and never holds overlapping accesses, and the runtime checks showed up on the
/// per-packet profile.
final class SimNode {
    let index: Int
    let name: String
    @exclusivity(unchecked) var underlay: IPAddress
    @exclusivity(unchecked) var eth0Up = true
    /// IP forwarding (routes packets for other hosts on).
    @exclusivity(unchecked) var forwarding = false
    // Fields are laid out in the order written: the flags, port and ping identifier fill the
    // words the underlay address and `fwmark` end in (176 bytes, a 192-byte malloc chunk, where
    // 193 took 208).
    @exclusivity(unchecked) var wg0Up = false
    let listenPort: UInt16
    /// Which of the capture sinks are still deferred (`eth0Deferred`, `wg0Deferred`).
    @exclusivity(unchecked) private var deferredSinks: UInt8 = 0

    /// Set when the node is made, or (its key pair still being derived when the network is
    /// built, `Simulation.init(keysAhead:)`) just before it is brought up; never changed after.
    @exclusivity(unchecked) var device: Device?

    /// wg0 addresses as configured (`ip address add … dev wg0`).
    let wg0Addresses: [InterfaceAddress]
    /// The kernel route table, in a box that nodes set up alike share (`SharedRouteTables`):
    /// `routes` copies it into a box of this node's own before the first change.
    @exclusivity(unchecked) var routeBox = RouteTableBox(HostRouteTable())
    /// The kernel route table (`ip route`).
    var routes: HostRouteTable {
        _read { yield routeBox.table }
        _modify {
            if !isKnownUniquelyReferenced(&routeBox) { routeBox = RouteTableBox(routeBox.table) }
            yield &routeBox.table
        }
    }
    /// wg0's fwmark (`wg set wg0 fwmark`), carried by its own UDP datagrams into the route lookup.
    @exclusivity(unchecked) var fwmark: UInt32 = 0
    /// Next ICMP echo identifier handed to a `ping` run on this node.
    var nextPingIdentifier: UInt16 = 1
    @exclusivity(unchecked) var stack = LocalStack()
    @exclusivity(unchecked) var counters = NodeCounters()

    /// The time of the pending engine event that will call `device.advance`, `Int64.min` for
    /// none (no event is at that time: set-up's are, but nothing schedules a wake-up then).
    @exclusivity(unchecked) private var wakeUpTime = Int64.min
    /// The time of the pending engine event that will call `device.advance`, if any.
    var timerWakeUp: Int64? {
        get { wakeUpTime == .min ? nil : wakeUpTime }
        set { wakeUpTime = newValue ?? .min }
    }
    /// The interfaces' sinks as given, a `DeferredCaptureSink` standing for a sink not made yet
    /// (flagged in `deferredSinks`); read them through `eth0Capture` and `wg0Capture`.
    @exclusivity(unchecked) private var eth0Sink: CaptureSink
    @exclusivity(unchecked) private var wg0Sink: CaptureSink?
    private static let eth0Deferred: UInt8 = 1
    private static let wg0Deferred: UInt8 = 2

    init(index: Int, name: String, underlay: IPAddress, device: Device?, listenPort: UInt16,
         wg0Addresses: [InterfaceAddress], eth0Capture: CaptureSink, wg0Capture: CaptureSink?) {
        self.index = index
        self.name = name
        self.underlay = underlay
        self.device = device
        self.listenPort = listenPort
        self.wg0Addresses = wg0Addresses
        eth0Sink = eth0Capture
        wg0Sink = wg0Capture
        if eth0Capture is DeferredCaptureSink { deferredSinks |= Self.eth0Deferred }
        if wg0Capture is DeferredCaptureSink { deferredSinks |= Self.wg0Deferred }
    }

    /// eth0's capture sink: what `tcpdump -i eth0` on this node sees. A deferred one is made here,
    /// for the interface's first packet.
    var eth0Capture: CaptureSink {
        if deferredSinks & Self.eth0Deferred != 0 { makeDeferredSinks() }
        return eth0Sink
    }

    /// wg0's capture sink, nil for a node without WireGuard; made at its first packet when deferred.
    var wg0Capture: CaptureSink? {
        if deferredSinks & Self.wg0Deferred != 0 { makeDeferredSinks() }
        return wg0Sink
    }

    /// Whether the node has a wg0 sink (made or not): reading one does not make it.
    var hasWG0Capture: Bool { wg0Sink != nil }

    /// Makes both deferred sinks at once, in eth0-then-wg0 order (a factory's sinks may count the
    /// order they are made in; made together, they are made in the order `Simulation.init` asks).
    @inline(never)
    private func makeDeferredSinks() {
        if deferredSinks & Self.eth0Deferred != 0 {
            eth0Sink = unsafeDowncast(eth0Sink, to: DeferredCaptureSink.self).sink(named: "\(name)-eth0")
        }
        if deferredSinks & Self.wg0Deferred != 0, let deferred = wg0Sink {
            wg0Sink = unsafeDowncast(deferred, to: DeferredCaptureSink.self).sink(named: "\(name)-wg0")
        }
        deferredSinks = 0
    }

    /// The underlay endpoint wg0's socket is bound to.
    var listenEndpoint: Endpoint { Endpoint(address: underlay, port: listenPort) }

    /// Whether `address` is one of this host's own: the underlay address or a wg0 address
    /// (Linux keeps local addresses in its local table even while the interface is down).
    func isLocal(_ address: IPAddress) -> Bool {
        address == underlay || wg0Addresses.contains { $0.address == address }
    }

    /// The source address Linux would pick for a packet leaving through `device`: the first wg0
    /// address of the family for wg0, else the underlay address.
    func sourceAddress(for destination: IPAddress, via device: Interface?) -> IPAddress {
        let wg0Source = wg0Addresses.first { $0.address.isIPv4 == destination.isIPv4 }?.address
        switch device {
        case .wg0?: return wg0Source ?? underlay
        case .eth0?: return underlay.isIPv4 == destination.isIPv4 ? underlay : (wg0Source ?? underlay)
        default: return wg0Source ?? underlay
        }
    }
}

/// A route table held by reference, so that the many nodes of a generated hub, whose tables are
/// all alike, hold one pointer each instead of the table's own fields (its arrays, sets and
/// dictionaries, about 80 bytes inline). `SimNode.routes` copies before changing a shared one.
final class RouteTableBox {
    @exclusivity(unchecked) var table: HostRouteTable
    init(_ table: HostRouteTable) { self.table = table }
}

/// Per-node tallies for the run summary: packets the node originated. (The decision actions it
/// logged are counted in the simulation's `ActionTally`.)
struct NodeCounters {
    var originated = 0
}

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
