import Routing
import XCTest

/// `AllowedIPsUpdate.apply` looks a peer's slot up once per run of insertions and reads "left
/// with nothing" from the insertion that emptied a peer; it must give what applying the update
/// entry by entry gives: the same moves (previous owner flagged on its last entry taken, when the
/// update left it empty), the same entries per peer afterwards, the same lookups.
final class AllowedIPsUpdateApplyTests: XCTestCase {
    /// The update applied one entry at a time through the public single-entry calls, the flags
    /// set once every element is in.
    private func reference(_ update: AllowedIPsUpdate, to table: AllowedIPs<Int>, peer: Int) -> [AllowedIPsMove<Int>] {
        if update.replacesExisting { table.removeAll(for: peer) }
        var moves: [AllowedIPsMove<Int>] = []
        for change in update.changes {
            switch change {
            case .add(let prefix):
                if let previous = table.insertReportingOwner(prefix, for: peer).previousOwner {
                    moves.append(AllowedIPsMove(prefix: prefix, previousOwner: previous, previousOwnerLeftEmpty: false))
                }
            case .remove(let prefix): table.remove(prefix, for: peer)
            }
        }
        var seen = Set<Int>()
        for i in moves.indices.reversed() where seen.insert(moves[i].previousOwner).inserted {
            moves[i].previousOwnerLeftEmpty = !table.hasPrefixes(moves[i].previousOwner)
        }
        return moves
    }

    func testApplyGivesWhatEntryByEntryInsertionGives() throws {
        var state: UInt64 = 0x5EED_0A11_0BED_0001
        func next(_ bound: Int) -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int((state >> 33) % UInt64(bound))
        }
        // Few prefixes and peers, so that entries move often, peers empty and slots are reused;
        // tables large enough to take the trie form too.
        let prefixes = try (0..<40).map { try IPPrefix(parsing: "10.\($0 % 5).\($0).0/\(16 + $0 % 9)") }
        var movesSeen = 0, emptied = 0
        for round in 0..<300 {
            let fast = AllowedIPs<Int>(), slow = AllowedIPs<Int>()
            let peerCount = 2 + next(14)
            for step in 0..<40 {
                let peer = next(peerCount)
                var changes: [AllowedIPsUpdate.Change] = []
                let replaces = next(3) != 0
                for _ in 0..<next(6) {
                    let prefix = prefixes[next(prefixes.count)]
                    changes.append(!replaces && next(4) == 0 ? .remove(prefix) : .add(prefix))
                }
                let update = AllowedIPsUpdate(replacesExisting: replaces, changes: changes)
                let owns = !fast.prefixes(of: peer).isEmpty
                let got = update.apply(to: fast, peer: peer, ownsNothing: !owns && next(2) == 0)
                let expected = reference(update, to: slow, peer: peer)
                XCTAssertEqual(got, expected, "round \(round) step \(step)")
                movesSeen += got.count
                emptied += got.filter(\.previousOwnerLeftEmpty).count
                for p in 0..<peerCount { XCTAssertEqual(fast.prefixes(of: p), slow.prefixes(of: p), "round \(round) step \(step) peer \(p)") }
            }
            for prefix in prefixes { XCTAssertEqual(fast.lookup(prefix.address), slow.lookup(prefix.address)) }
        }
        XCTAssertGreaterThan(movesSeen, 1000)
        XCTAssertGreaterThan(emptied, 100)
    }
}
