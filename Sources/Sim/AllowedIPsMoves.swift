import Routing
import WireGuard

/// One allowed-IPs entry that changed owner on a node's wg0: the kernel gives an exact prefix to
/// the peer that claims it last and takes it from the peer that had it, without a word
/// (wireguard-behaviour.md §1.4). The simulator keeps every such move so that a scenario loader
/// can name the lines of both claims.
public struct AllowedIPsMoveRecord: Equatable, Sendable {
    /// What made the claim that moved the entry.
    public enum Cause: Equatable, Sendable {
        /// Bringing the node up: its `peer`-th configured peer (0-based) claimed the entry; the
        /// peer that lost it is the configured peer `previousPeer`, if it was one of them.
        case setup(peer: Int, previousPeer: Int?)
        /// The `ordinal`-th `wg set` action run (0-based, in run order).
        case wgSet(ordinal: Int)
    }

    /// Simulated time of the move (0 at set-up).
    public let t: Int64
    public let node: String
    public let prefix: IPPrefix
    /// The peer that held the entry until now, and the one that holds it now.
    public let from: PublicKey
    public let to: PublicKey
    /// True when `from` was left with no allowed IPs at all.
    public let fromLeftEmpty: Bool
    public let cause: Cause
}

/// The moves a simulation made, in order, as `AllowedIPsMoveRecord`s: kept in a compact form
/// (`StoredAllowedIPsMove`, 72 bytes where a record takes about 104) and worded as records when
/// read. A generated hub whose clients' LAN prefixes overlap moves an entry per client at set-up.
///
/// Positions count every move the simulation made: after `Simulation.releaseMoves()` the list
/// starts at the first move kept (`startIndex`), and `endIndex` is the number made so far.
public struct AllowedIPsMoveList: RandomAccessCollection {
    let stored: [StoredAllowedIPsMove]
    /// How many moves were released before the first one stored.
    let released: Int
    /// The simulation's nodes, whose names the records give.
    let nodes: [SimNode]

    public var startIndex: Int { released }
    public var endIndex: Int { released + stored.count }

    public subscript(position: Int) -> AllowedIPsMoveRecord {
        let move = stored[position - released]
        let cause: AllowedIPsMoveRecord.Cause = move.isSetup
            ? .setup(peer: Int(move.first), previousPeer: move.second < 0 ? nil : Int(move.second))
            : .wgSet(ordinal: Int(move.first))
        return AllowedIPsMoveRecord(t: move.t, node: nodes[Int(move.node)].name, prefix: move.prefix, from: move.from, to: move.to,
                                    fromLeftEmpty: move.fromLeftEmpty, cause: cause)
    }
}

/// One move as a simulation keeps it: the node by index, the cause's numbers in 32 bits (peer
/// positions and `wg set` ordinals; -1 for no previous peer). Fields in this order leave no
/// padding but the tail.
struct StoredAllowedIPsMove: Sendable {
    let prefix: IPPrefix
    let t: Int64
    let from: PublicKey
    let to: PublicKey
    let node: Int32
    /// `.setup`: the peer; `.wgSet`: the ordinal.
    let first: Int32
    /// `.setup`: the previous peer, -1 for none.
    let second: Int32
    let fromLeftEmpty: Bool
    let isSetup: Bool

    init(t: Int64, node: Int, prefix: IPPrefix, from: PublicKey, to: PublicKey, fromLeftEmpty: Bool,
         cause: AllowedIPsMoveRecord.Cause) {
        self.prefix = prefix
        self.t = t
        self.from = from
        self.to = to
        self.node = Int32(node)
        self.fromLeftEmpty = fromLeftEmpty
        switch cause {
        case let .setup(peer, previousPeer):
            isSetup = true
            first = Int32(clamping: peer)
            second = previousPeer.map { Int32(clamping: $0) } ?? -1
        case let .wgSet(ordinal):
            isSetup = false
            first = Int32(clamping: ordinal)
            second = -1
        }
    }
}

extension Simulation {
    /// Every allowed-IPs entry that changed owner, at set-up and since, in order.
    public var allowedIPsMoves: AllowedIPsMoveList {
        AllowedIPsMoveList(stored: storedMoves, released: releasedMoves, nodes: nodes)
    }

    /// Forgets the moves made so far, once nothing will read them again (`wgsim run`, after the
    /// set-up's moves were reported and the report's collector read them): a generated hub's
    /// clients may have moved an entry each. Later moves keep their positions.
    public func releaseMoves() {
        releasedMoves += storedMoves.count
        storedMoves = []
    }

    /// Keeps the moves a `setPeer` reported, with their cause.
    func noteMoves(_ moves: [AllowedIPsMove<PublicKey>], to peer: PublicKey, at node: SimNode,
                   cause: AllowedIPsMoveRecord.Cause) {
        for move in moves {
            noteMove(move.prefix, from: move.previousOwner, leftEmpty: move.previousOwnerLeftEmpty, to: peer, at: node, cause: cause)
        }
    }

    /// Keeps one move: `prefix` went from `previousOwner` (left with no allowed IPs: `leftEmpty`)
    /// to `peer`. (A set-up move is noted as it is made, without an array of one around it: a
    /// hub's clients may move an entry each.)
    func noteMove(_ prefix: IPPrefix, from previousOwner: PublicKey, leftEmpty: Bool, to peer: PublicKey, at node: SimNode,
                  cause: AllowedIPsMoveRecord.Cause) {
        storedMoves.append(StoredAllowedIPsMove(t: now, node: node.index, prefix: prefix, from: previousOwner,
                                                to: peer, fromLeftEmpty: leftEmpty, cause: cause))
    }

    /// Puts the set-up's moves back in node order after `bringUpNodes` configured some nodes'
    /// peers later or in several goes: each node's moves are in the order it made them, so a
    /// stable sort by node gives the list a bring-up in node order makes. Nothing is moved when
    /// they are in node order already (a hub whose clients moved nothing).
    func orderSetUpMoves() {
        // By position, reading the node field alone: zipping the list with itself copied every
        // move twice (four retains and releases of its keys), 0.2 s for a hub's million moves.
        guard storedMoves.indices.dropFirst().contains(where: { storedMoves[$0 - 1].node > storedMoves[$0].node }) else { return }
        let order = storedMoves.indices.sorted { (storedMoves[$0].node, $0) < (storedMoves[$1].node, $1) }
        var sorted: [StoredAllowedIPsMove] = []
        sorted.reserveCapacity(storedMoves.count)
        for position in order { sorted.append(storedMoves[position]) }
        storedMoves = sorted
    }

    /// Drops the growth room of the set-up's moves (a hub's clients may add one each): the run
    /// adds few if any.
    func trimStoredMoves() {
        guard storedMoves.capacity > storedMoves.count + storedMoves.count / 16 else { return }
        var exact: [StoredAllowedIPsMove] = []
        exact.reserveCapacity(storedMoves.count)
        exact.append(contentsOf: storedMoves)
        storedMoves = exact
    }

    /// The words a `config` record adds for moves: `192.168.32.19/32 moved from ABCD to EFGH;
    /// ABCD is left with no allowed IPs`, one clause per move.
    func movesText(_ moves: [AllowedIPsMove<PublicKey>], to peer: PublicKey) -> String {
        let newOwner = names.name(of: peer)
        return moves.map { move in
            let previous = names.name(of: move.previousOwner)
            return "\(move.prefix) moved from \(previous) to \(newOwner)"
                + (move.previousOwnerLeftEmpty ? "; \(previous) is left with no allowed IPs" : "")
        }.joined(separator: "; ")
    }
}
