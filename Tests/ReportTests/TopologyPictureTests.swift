@testable import Report
import XCTest

final class TopologyPictureTests: XCTestCase {
    typealias F = DrawFixtures

    func testTunnelsCarryEachSidesAllowedIPs() {
        let tunnels = F.seedSnapshot.tunnels(at: 5_000_000_000)
        XCTAssertEqual(tunnels.map { "\($0.a)-\($0.b) \($0.aAllowedIPs) \($0.bAllowedIPs)" }, [
            "server-ABCD [192.168.32.0/24] [192.168.0.0/16]",
            "server-EFGH [192.168.32.19/32] [192.168.0.0/16]",
        ])
        // At 1 s ABCD has nothing on the server, but the tunnel (a configured peer) is still there.
        XCTAssertEqual(F.seedSnapshot.tunnels(at: 1_000_000_000).first?.aAllowedIPs, [])
    }

    func testSVGHasNodesLinksTunnelsAndDrops() throws {
        let svg = try DrawnPicture.parse(TopologyPicture.svg(F.seedSnapshot, at: 5_000_000_000, standalone: true))
        XCTAssertEqual(svg.attributes["class"], "topology")
        XCTAssertEqual(svg.find("g", class: "node").map { $0.attributes["data-node"] }, ["server", "ABCD", "EFGH"])
        for node in svg.find("g", class: "node") {
            XCTAssertTrue(node.children.contains { $0.name == "rect" }, "a shape")
            XCTAssertTrue(node.allText.contains(node.attributes["data-node"] ?? "?"), "and the name")
        }
        let link = try XCTUnwrap(svg.find("g", class: "link").first)
        XCTAssertEqual([link.attributes["data-a"], link.attributes["data-b"]], ["server", "ABCD"])
        XCTAssertEqual(link.allText, "20 ms ±2 ms, loss 25%")
        let tunnels = svg.find("g", class: "tunnel")
        XCTAssertEqual(tunnels.map { $0.attributes["data-b"] }, ["ABCD", "EFGH"])
        XCTAssertEqual(tunnels[1].find("text", class: "allowed").map(\.text),
                       ["server → EFGH: 192.168.32.19/32", "EFGH → server: 192.168.0.0/16"])
        let drop = try XCTUnwrap(svg.find("g", class: "drop").first)
        XCTAssertEqual(drop.attributes["data-node"], "server")
        XCTAssertEqual(drop.attributes["data-reason"], "dropped-src-not-allowed")
        XCTAssertEqual(drop.allText, "1 × dropped-src-not-allowed")
        // EFGH has no link of its own to the server: it hangs on the shared segment.
        XCTAssertTrue(svg.find("path", class: "segment-link").contains { $0.attributes["data-node"] == "EFGH" })
    }

    func testText() {
        XCTAssertEqual(TopologyPicture.text(F.seedSnapshot, at: 5_000_000_000), """
            seed at 5s

            Nodes:
              server  eth0 203.0.113.1  wg0 192.168.0.1/16
              ABCD    eth0 198.51.100.10  wg0 192.168.32.1/24
              EFGH    eth0 198.51.100.20  wg0 192.168.32.19/32

            Underlay:
              server ── ABCD  20 ms ±2 ms, loss 25%
              every other pair shares one segment: 1 ms, no loss

            Tunnels:
              server ⇄ ABCD
                server → ABCD: 192.168.32.0/24
                ABCD → server: 192.168.0.0/16
              server ⇄ EFGH
                server → EFGH: 192.168.32.19/32
                EFGH → server: 192.168.0.0/16

            Drops:
              server  1 × dropped-src-not-allowed

            """)
    }

    func testLayoutArithmeticIsPlatformFree() {
        let (s, c) = TopologyPicture.sineAndCosine(Double.pi / 6)
        XCTAssertEqual(s, 0.5, accuracy: 1e-12)
        XCTAssertEqual(c, 0.8660254037844386, accuracy: 1e-12)
        XCTAssertEqual(TopologyPicture.svg(F.seedSnapshot), TopologyPicture.svg(F.seedSnapshot))
    }

    func testNodesBeyondTheLimitAreCounted() throws {
        let svg = try DrawnPicture.parse(TopologyPicture.svg(F.seedSnapshot, limit: 2))
        XCTAssertEqual(svg.find("g", class: "node").count, 2)
        XCTAssertEqual(svg.find("text", class: "omitted").first?.text, "1 more nodes left out (of 3)")
    }
}
