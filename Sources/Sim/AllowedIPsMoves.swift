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

extension Simulation {
    /// Keeps the moves a `setPeer` reported, with their cause.
    func noteMoves(_ moves: [AllowedIPsMove<PublicKey>], to peer: PublicKey, at node: SimNode,
                   cause: AllowedIPsMoveRecord.Cause) {
        for move in moves {
            allowedIPsMoves.append(AllowedIPsMoveRecord(t: now, node: node.name, prefix: move.prefix, from: move.previousOwner,
                                                        to: peer, fromLeftEmpty: move.previousOwnerLeftEmpty, cause: cause))
        }
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
