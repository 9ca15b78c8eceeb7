@testable import Sim
import XCTest

/// The agenda's order at one instant depends only on who scheduled what (docs/mpi.md).
final class EventOrderTests: XCTestCase {
    func testEqualTimesRunByOriginThenSequence() {
        var queue = EventQueue<String>()
        queue.push(at: 5, "node 2 first", origin: EventOrigin.node(2), sequence: 0)
        queue.push(at: 5, "node 0 second", origin: EventOrigin.node(0), sequence: 1)
        queue.push(at: 5, "scenario", origin: EventOrigin.scenario, sequence: 7)
        queue.push(at: 5, "setup of node 3", origin: EventOrigin.setup(3), sequence: 0)
        queue.push(at: 5, "node 0 first", origin: EventOrigin.node(0), sequence: 0)
        queue.push(at: 4, "earlier", origin: EventOrigin.node(9), sequence: 0)
        var order: [String] = []
        while let (_, payload) = queue.pop() { order.append(payload) }
        XCTAssertEqual(order, ["earlier", "setup of node 3", "scenario", "node 0 first", "node 0 second", "node 2 first"])
    }

    func testOriginsNameTheirNode() {
        XCTAssertEqual(EventOrigin.nodeIndex(of: EventOrigin.setup(7)), 7)
        XCTAssertEqual(EventOrigin.nodeIndex(of: EventOrigin.node(7)), 7)
        XCTAssertNil(EventOrigin.nodeIndex(of: EventOrigin.scenario))
    }

    /// What one direction of a link draws does not move the other direction's draws.
    func testEachDirectionOfALinkDrawsFromItsOwnStream() {
        func fromA(interleavingB: Bool) -> [LinkVerdict] {
            var underlay = Underlay(seed: 4, nodeNames: ["A", "B"])
            underlay.set(0, 1, properties: LinkProperties(jitter: 500_000, loss: 0.5))
            let link = underlay.link(0, 1)
            return (0..<200).map { _ in
                if interleavingB { _ = underlay.transit(link: link, from: 1, size: 10) }
                return underlay.transit(link: link, from: 0, size: 10)
            }
        }
        XCTAssertEqual(fromA(interleavingB: false), fromA(interleavingB: true))
    }
}
