import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import NetAddress
@testable import Report
import Routing
import Sim
import XCTest

/// One element of a parsed picture: its name, attributes and text, with its children.
final class DrawnElement {
    let name: String
    let attributes: [String: String]
    var text = ""
    var children: [DrawnElement] = []
    weak var parent: DrawnElement?

    init(name: String, attributes: [String: String]) {
        self.name = name
        self.attributes = attributes
    }

    var classes: Set<String> { Set((attributes["class"] ?? "").split(separator: " ").map(String.init)) }

    /// Every element below this one (depth first), this one included.
    var all: [DrawnElement] { [self] + children.flatMap(\.all) }

    /// Elements named `name` carrying class `className`.
    func find(_ name: String, class className: String) -> [DrawnElement] {
        all.filter { $0.name == name && $0.classes.contains(className) }
    }

    /// All the text inside, children included.
    var allText: String { text + children.map(\.allText).joined() }
}

/// Parses a picture with Foundation's XML parser: it must be well-formed XML.
enum DrawnPicture {
    static func parse(_ markup: String, file: StaticString = #filePath, line: UInt = #line) throws -> DrawnElement {
        final class Builder: NSObject, XMLParserDelegate {
            var root: DrawnElement?
            var stack: [DrawnElement] = []
            func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                        attributes: [String: String] = [:]) {
                let element = DrawnElement(name: name, attributes: attributes)
                element.parent = stack.last
                stack.last?.children.append(element)
                if root == nil { root = element }
                stack.append(element)
            }
            func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
                stack.removeLast()
            }
            func parser(_ parser: XMLParser, foundCharacters string: String) { stack.last?.text += string }
        }
        let parser = XMLParser(data: Data(markup.utf8))
        let builder = Builder()
        parser.delegate = builder
        let parsed = parser.parse()
        XCTAssertTrue(parsed, "not well-formed: \(parser.parserError.map { "\($0)" } ?? "?")", file: file, line: line)
        return try XCTUnwrap(builder.root, file: file, line: line)
    }
}

/// Small fixed inputs for the picture tests.
enum DrawFixtures {
    static func prefix(_ text: String) -> IPPrefix { try! IPPrefix(parsing: text) }

    /// The seed lesson's server table at 5 s: the /24 on ABCD, the /32 on EFGH.
    static let seedTableAt5s = PeerTableSnapshot(node: "server", t: 5_000_000_000, entries: [
        PeerTableEntry(prefix: prefix("192.168.32.19/32"), owner: "EFGH"),
        PeerTableEntry(prefix: prefix("192.168.32.0/24"), owner: "ABCD"),
    ], decisionIndex: 28)

    /// The server table at 1 s: the /32 moved to EFGH.
    static let seedTableAt1s = PeerTableSnapshot(node: "server", t: 1_000_000_000, entries: [
        PeerTableEntry(prefix: prefix("192.168.32.19/32"), owner: "EFGH", movedFrom: "ABCD"),
    ], decisionIndex: 1)

    static let colours = OwnershipColours(owners: ["ABCD", "server", "EFGH"])

    /// The seed lesson's run as the collector would give it (fixed by hand).
    static var seedSnapshot: RunSnapshot {
        let underlay = { (text: String) in try! IPAddress(parsing: text) }
        return RunSnapshot(name: "seed", nodes: [
            TopologyNode(name: "server", underlay: underlay("203.0.113.1"), wireGuardAddresses: ["192.168.0.1/16"], hasWireGuard: true),
            TopologyNode(name: "ABCD", underlay: underlay("198.51.100.10"), wireGuardAddresses: ["192.168.32.1/24"], hasWireGuard: true),
            TopologyNode(name: "EFGH", underlay: underlay("198.51.100.20"), wireGuardAddresses: ["192.168.32.19/32"], hasWireGuard: true),
        ], links: [TopologyLink(a: "server", b: "ABCD", latency: 20_000_000, jitter: 2_000_000, loss: 0.25, up: true)],
        tables: [
            PeerTableSnapshot(node: "server", t: 0, entries: [PeerTableEntry(prefix: prefix("192.168.32.19/32"), owner: "ABCD")], decisionIndex: 0),
            PeerTableSnapshot(node: "ABCD", t: 0, entries: [PeerTableEntry(prefix: prefix("192.168.0.0/16"), owner: "server")], decisionIndex: nil),
            PeerTableSnapshot(node: "EFGH", t: 0, entries: [PeerTableEntry(prefix: prefix("192.168.0.0/16"), owner: "server")], decisionIndex: nil),
            seedTableAt1s,
            seedTableAt5s,
        ], drops: [DropCount(node: "server", reason: "dropped-src-not-allowed", count: 1)],
        end: 600_000_000_000, peers: ["server": ["ABCD", "EFGH"], "ABCD": ["server"], "EFGH": ["server"]],
        lastActivity: 8_500_000_000)
    }
}
