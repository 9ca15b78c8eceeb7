@testable import Sim
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
}
