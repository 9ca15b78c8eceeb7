@testable import Sim
import WireGuard
import XCTest

/// Links: loss, latency and jitter drawn from the seed ("link:A-B"), deterministic per link.
final class UnderlayTests: XCTestCase {
    private func verdicts(seed: UInt64, properties: LinkProperties, count: Int = 1000) -> [LinkVerdict] {
        var underlay = Underlay(seed: seed, nodeNames: ["A", "B", "C"])
        underlay.set(0, 1, properties: properties)
        let link = underlay.link(0, 1)
        return (0..<count).map { _ in underlay.transit(link: link, from: 0, size: 100) }
    }

    func testSameSeedSameFates() {
        let lossy = LinkProperties(latency: 5_000_000, jitter: 1_000_000, loss: 0.3)
        XCTAssertEqual(verdicts(seed: 9, properties: lossy), verdicts(seed: 9, properties: lossy))
        XCTAssertNotEqual(verdicts(seed: 9, properties: lossy), verdicts(seed: 10, properties: lossy))
    }

    func testLossRateIsRoughlyTheProbability() {
        let lost = verdicts(seed: 1, properties: LinkProperties(loss: 0.25), count: 10_000).filter { $0 == .lost }.count
        XCTAssertGreaterThan(lost, 2200)
        XCTAssertLessThan(lost, 2800)
        XCTAssertTrue(verdicts(seed: 1, properties: LinkProperties(loss: 1)).allSatisfy { $0 == .lost })
    }

    func testJitterStaysWithinPlusMinusAndNeverNegative() {
        let delays = verdicts(seed: 2, properties: LinkProperties(latency: 1_000, jitter: 5_000)).compactMap { v -> Int64? in
            if case .deliver(let after) = v { return after }
            return nil
        }
        XCTAssertEqual(delays.count, 1000)
        XCTAssertTrue(delays.allSatisfy { $0 >= 0 && $0 <= 6_000 })
        XCTAssertGreaterThan(Set(delays).count, 100)
    }

    func testNoJitterNoLossIsExactlyTheLatency() {
        XCTAssertTrue(verdicts(seed: 2, properties: LinkProperties(latency: 7)).allSatisfy { $0 == .deliver(after: 7) })
    }

    func testDownAndOversizeDropWithoutDrawing() {
        var underlay = Underlay(seed: 1, nodeNames: ["A", "B"])
        let link = underlay.link(1, 0)
        underlay.change(0, 1, LinkChange(mtu: 1280))
        XCTAssertEqual(underlay.transit(link: link, from: 0, size: 1281), .tooBig(mtu: 1280))
        XCTAssertEqual(underlay.transit(link: link, from: 0, size: 1280), .deliver(after: 1_000_000))
        underlay.change(0, 1, LinkChange(up: false))
        XCTAssertEqual(underlay.transit(link: link, from: 0, size: 100), .down)
    }

    func testOneLinksTrafficDoesNotPerturbAnother() {
        func fatesOfAB(interleaveAC: Bool) -> [LinkVerdict] {
            var underlay = Underlay(seed: 4, nodeNames: ["A", "B", "C"])
            underlay.set(0, 1, properties: LinkProperties(loss: 0.5))
            underlay.set(0, 2, properties: LinkProperties(loss: 0.5))
            let ab = underlay.link(0, 1), ac = underlay.link(0, 2)
            return (0..<200).map { _ in
                if interleaveAC { _ = underlay.transit(link: ac, from: 0, size: 10) }
                return underlay.transit(link: ab, from: 0, size: 10)
            }
        }
        XCTAssertEqual(fatesOfAB(interleaveAC: false), fatesOfAB(interleaveAC: true))
    }

    func testLinkLabelIsOrderIndependent() {
        var forward = Underlay(seed: 1, nodeNames: ["A", "B"])
        var backward = Underlay(seed: 1, nodeNames: ["B", "A"])
        let f = forward.link(0, 1), b = backward.link(0, 1)
        XCTAssertEqual(forward.label(f), "link:A-B")
        XCTAssertEqual(backward.label(b), "link:A-B")
    }

    /// Links are found by their two ends in either order (`LinkPairKey` in a position table):
    /// among 120 nodes, every pair's link made once, in a shuffled order and with either end
    /// first, is found again as the same link, its properties kept, and no two pairs share one.
    func testEveryPairFindsItsOwnLinkWithEitherEndFirst() {
        let names = (0..<120).map { "n\($0)" }
        var underlay = Underlay(seed: 3, nodeNames: names)
        var pairs: [(Int, Int)] = []
        for a in 0..<names.count { for b in (a + 1)..<names.count { pairs.append((a, b)) } }
        var rng = SeededRandom(seed: 5, label: "link-pairs")
        for i in stride(from: pairs.count - 1, to: 0, by: -1) { pairs.swapAt(i, Int(rng.next() % UInt64(i + 1))) }
        var made: [Int: (Int, Int)] = [:]
        for (i, (a, b)) in pairs.enumerated() {
            let index = i.isMultiple(of: 2) ? underlay.link(a, b) : underlay.link(b, a)
            XCTAssertNil(made[index], "one link per pair")
            made[index] = (a, b)
            if i.isMultiple(of: 7) { underlay.set(b, a, properties: LinkProperties(latency: Int64(i))) }
        }
        XCTAssertEqual(underlay.links.count, pairs.count)
        for (i, (a, b)) in pairs.enumerated() {
            let index = underlay.link(a, b)
            XCTAssertEqual(underlay.link(b, a), index)
            XCTAssertTrue(made[index]! == (a, b))
            XCTAssertEqual(underlay.properties(a, b).latency, i.isMultiple(of: 7) ? Int64(i) : LinkProperties.sharedSegment.latency)
        }
        XCTAssertEqual(underlay.links.count, pairs.count, "finding a link again makes none")
        XCTAssertEqual(LinkPairKey(4, 9), LinkPairKey(9, 4))
        XCTAssertEqual(LinkPairKey(4, 9).hashValue, LinkPairKey(9, 4).hashValue)
        XCTAssertNotEqual(LinkPairKey(4, 9), LinkPairKey(4, 10))
    }
}
