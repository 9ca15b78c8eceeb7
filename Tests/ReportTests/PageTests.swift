import Routing
import XCTest
@testable import Report

/// The page of a large run stays small: pictures are drawn from the first nodes and rows, and
/// each section says what it left out.
final class PageTests: XCTestCase {
    /// A hub and `peers` peers, each peer owning one /32 on the hub, the hub one /24 on each peer.
    func hub(peers: Int) throws -> RunSnapshot {
        var nodes = [TopologyNode(name: "hub", underlay: try IPAddress(parsing: "10.255.0.1"), wireGuardAddresses: ["10.0.0.1/16"], hasWireGuard: true)]
        var hubEntries: [PeerTableEntry] = []
        var tables: [PeerTableSnapshot] = []
        for i in 0..<peers {
            let name = "p\(i)"
            nodes.append(TopologyNode(name: name, underlay: try IPAddress(parsing: "10.254.\(i / 250).\(i % 250 + 1)"),
                                      wireGuardAddresses: [], hasWireGuard: true))
            hubEntries.append(PeerTableEntry(prefix: try IPPrefix(parsing: "10.0.\(i / 256).\(i % 256)/32"), owner: name))
            tables.append(PeerTableSnapshot(node: name, t: 0, entries: [PeerTableEntry(prefix: try IPPrefix(parsing: "10.0.0.0/16"), owner: "hub")],
                                            decisionIndex: nil))
        }
        tables.insert(PeerTableSnapshot(node: "hub", t: 0, entries: hubEntries, decisionIndex: nil), at: 0)
        return RunSnapshot(name: "hub", nodes: nodes, links: [], tables: tables, drops: [], end: 1_000_000_000,
                           peers: ["hub": Set(nodes.dropFirst().map(\.name))])
    }

    func testALargeRunsPageIsBoundedAndSaysWhatItLeftOut() throws {
        let snapshot = try hub(peers: 3_000)
        let page = ReportPage.html(snapshot: snapshot, recording: RunRecording(steps: [], decisionCount: 0, omitted: [], limits: .standard),
                                   expectations: [], description: nil, seed: 1)
        XCTAssertLessThan(page.utf8.count, 1_000_000)
        for section in ["topology", "tables", "timeline"] {
            let start = try XCTUnwrap(page.range(of: "<section id=\"\(section)\">"))
            let body = page[start.upperBound...]
            let end = try XCTUnwrap(body.range(of: "</section>"))
            XCTAssertTrue(body[..<end.lowerBound].contains("<p class=\"omitted\">"), section)
        }
        XCTAssertTrue(page.contains("<svg class=\"topology\"") || page.contains("class=\"topology\""), "a topology picture of the first nodes")
        XCTAssertTrue(page.contains("class=\"timeline\""), "a timeline of the first rows")
        XCTAssertTrue(page.contains("The timeline draws the first 200 of 6000 (node, prefix) rows."))
    }

    func testSmallerViewsKeepTheFirstNodesAndRows() throws {
        let snapshot = try hub(peers: 50)
        let nodes = snapshot.keepingNodes(10)
        XCTAssertEqual(nodes.nodes.map(\.name), ["hub"] + (0..<9).map { "p\($0)" })
        XCTAssertEqual(Set(nodes.tables.map(\.node)), Set(nodes.nodes.map(\.name)))
        XCTAssertEqual(nodes.peers["hub"]?.count, 9)
        XCTAssertEqual(snapshot.ownershipRowCount, 100)
        let rows = snapshot.keepingRows(60)
        XCTAssertEqual(rows.ownershipRowCount, 60)
        XCTAssertEqual(rows.tables.first?.entries.count, 50, "the hub's 50 rows first")
        XCTAssertEqual(rows.nodes.map(\.name), ["hub"] + (0..<10).map { "p\($0)" })
        XCTAssertEqual(snapshot.keepingRows(1_000).tables, snapshot.tables)
    }
}
