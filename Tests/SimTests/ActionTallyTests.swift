@testable import Sim
import WireGuard
import XCTest

/// The summary's per-node action counts, kept only for the (node, action) pairs that were logged.
final class ActionTallyTests: XCTestCase {
    func testCountsMatchAPlainCountOfEachNodesActions() {
        // More distinct actions per node than one block holds, nodes interleaved, some never logging.
        let nodes = 50
        var tally = ActionTally(nodeCount: nodes)
        var expected: [Int: [Action: Int]] = [:]
        var state: UInt64 = 12345
        let actions = Action.allCases
        for _ in 0..<20_000 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            let node = Int((state >> 33) % UInt64(nodes)) / 2 * 2   // odd nodes log nothing
            let action = actions[Int((state >> 17) % UInt64(min(actions.count, 11 + node % 7)))]
            tally.add(action, node: node)
            expected[node, default: [:]][action, default: 0] += 1
        }
        for node in 0..<nodes {
            let counts = expected[node] ?? [:]
            let sorted = tally.sorted(node: node)
            XCTAssertEqual(sorted.map(\.action.rawValue), counts.keys.map(\.rawValue).sorted(), "node \(node)")
            for (action, count) in sorted { XCTAssertEqual(count, counts[action], "node \(node) \(action)") }
            for action in actions { XCTAssertEqual(tally.count(action, node: node), counts[action] ?? 0) }
            if node % 2 == 1 { XCTAssertTrue(sorted.isEmpty) }
        }
        XCTAssertGreaterThan(expected.values.map(\.count).max() ?? 0, TallyBlock.slots * 2, "chains of several blocks")
    }

    /// The four-at-once slot test finds the first slot holding a code, as a search slot by slot
    /// does, for blocks whose codes differ from the one sought by one bit or one (the cases the
    /// zero-byte test can flag falsely above a true match).
    func testABlocksSlotTestFindsTheFirstSlotHoldingTheCode() {
        var state: UInt64 = 99
        for _ in 0..<20_000 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            let sought = UInt32((state >> 40) % 254)
            var block = TallyBlock(older: 0)
            var codes: [UInt32] = []
            let filled = Int((state >> 20) % 5)
            for slot in 0..<filled {
                let pick = (state >> (8 * UInt64(slot))) & 7
                let near: [UInt32] = [sought, sought ^ 1, sought &+ 1, sought &- 1, sought ^ 0x80, 0, 1, 254]
                let code = min(near[Int(pick)], 254)
                block.set(code: code, count: UInt32(slot), slot: slot)
                codes.append(code)
            }
            XCTAssertEqual(block.slot(of: sought), codes.firstIndex(of: sought), "codes \(codes), sought \(sought)")
            XCTAssertEqual(block.slot(of: TallyBlock.freeCode), filled < TallyBlock.slots ? filled : nil, "codes \(codes)")
            for slot in 0..<filled { XCTAssertEqual(block[count: slot], UInt32(slot)) }
        }
    }

    func testNodesOutsideTheTallyCountNothing() {
        var tally = ActionTally(nodeCount: 2)
        tally.add(.delivered, node: 2)
        tally.add(.delivered, node: -1)
        tally.add(.delivered, node: 1)
        XCTAssertEqual(tally.count(.delivered, node: 1), 1)
        XCTAssertEqual(tally.count(.delivered, node: 0), 0)
        XCTAssertEqual(tally.count(.delivered, node: 2), 0)
        XCTAssertTrue(tally.sorted(node: -1).isEmpty)
    }
}
