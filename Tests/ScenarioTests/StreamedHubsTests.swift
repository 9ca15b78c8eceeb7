import Foundation
import XCTest
@testable import Scenario
@testable import Sim
import WireGuard

/// A file `wgsim generate hubs` wrote (the worlds split over MPI processes) is read as a
/// generated hub is: by the subset reader, its nodes streamed (`StreamedNodes`), its clients
/// converted from their lines (`StreamedNodeLine`). Each way of reading it — streamed, the
/// subset reader's tree, Yams' tree — gives the same `Scenario` or the same first error, on the
/// generated files and on edited ones.
final class StreamedHubsTests: XCTestCase {
    private func world(hubs: Int, peers: Int, packets: Int) -> String {
        var text = ""
        HubsGenerator.writeYAML(hubs: hubs, peers: peers, packets: packets) { text += $0 }
        return text
    }

    private func outcome(_ text: String, streaming: Bool, subset: Bool) -> String {
        loadOutcome(text, file: "w.yaml", streaming: streaming, subset: subset)
    }

    /// Asserts the three readings give the same outcome; returns it.
    @discardableResult
    private func assertSame(_ text: String, _ what: String, file: StaticString = #filePath, line: UInt = #line) -> String {
        let streamed = outcome(text, streaming: true, subset: true)
        let tree = outcome(text, streaming: false, subset: true)
        let yams = outcome(text, streaming: false, subset: false)
        XCTAssertEqual(streamed, tree, "streamed against the subset reader's tree: \(what)", file: file, line: line)
        XCTAssertEqual(streamed, yams, "streamed against Yams: \(what)", file: file, line: line)
        return streamed
    }

    /// The 1-based number of the first line that begins with `prefix`.
    private func line(startingWith prefix: String, in text: String) throws -> Int {
        try XCTUnwrap(text.components(separatedBy: "\n").firstIndex { $0.hasPrefix(prefix) }, prefix) + 1
    }

    func testGeneratedWorldsAreRecognisedAndStreamed() throws {
        for (hubs, peers, packets) in [(2, 1, 0), (2, 3, 5), (3, 40, 20), (4, 25, 100)] {
            let text = world(hubs: hubs, peers: peers, packets: packets)
            let what = "\(hubs) × \(peers), \(packets) pings"
            XCTAssertTrue(YAMLSubsetReader.isGenerated(text), what)
            XCTAssertNotNil(YAMLSubsetReader.read(text), "within the subset: \(what)")
            XCTAssertFalse(assertSame(text, what).hasPrefix("error"), what)
            let read = try XCTUnwrap(StreamedNodes.read(text, file: "w.yaml", directory: ".", keysAhead: false)?.nodes, what)
            XCTAssertEqual(read.names.count, hubs * (peers + 1), what)
            XCTAssertEqual(read.nodesFromLines, hubs * peers, "every client from its line, not the hubs: \(what)")
        }
    }

    /// A hub's `peers:` lines, the hub's other lines, and clients of each hub, edited into other
    /// shapes, values, warnings and errors.
    func testEditedHubAndClientLinesGiveTheSameOutcome() throws {
        let text = world(hubs: 3, peers: 6, packets: 10)
        let hubPeer = try line(startingWith: "        - {peer: h1c2,", in: text)
        let hubToHub = try line(startingWith: "        - {peer: h2,", in: text)
        let forwarding = try line(startingWith: "    forwarding: true", in: text)
        let address = try line(startingWith: "      address: [10.0.0.1/16]", in: text)
        let client = try line(startingWith: "  h2c4: {", in: text)
        let cases: [(Int, String, String)] = [
            (hubPeer, "        - {peer: h1c2, allowed-ips: [10.1.0.4/32], endpoint: h1c2}", "as generated"),
            (hubPeer, "        - {peer: h1c2, allowed-ips: [10.1.0.4/24], endpoint: h1c2}", "host bits: a warning"),
            (hubPeer, "        - {peer: h1c2, allowed-ips: [10.1.0.4/33], endpoint: h1c2}", "a bad prefix"),
            (hubPeer, "        - {peer: h1c9, allowed-ips: [10.1.0.4/32], endpoint: h1c2}", "no such peer"),
            (hubPeer, "        - {peer: h1c2, allowed-ips: [10.1.0.4/32], endpoint: h9}", "no such endpoint"),
            (hubPeer, "        - {peer: h1c2, allowed-ips: [10.1.0.4/32], endpoint: 100.64.0.9:51820}", "an address endpoint"),
            (hubPeer, "        - {peer: h1c2, allowed-ips: [10.1.0.4/32], endpoint: h1c2, persistent-keepalive: 25}", "another key"),
            (hubPeer, "        - {peer: h1c2, endpoint: h1c2, allowed-ips: [10.1.0.4/32]}", "keys in another order"),
            (hubPeer, "        - {peer: h1, allowed-ips: [10.1.0.4/32], endpoint: h1}", "itself as a peer"),
            (hubPeer, "        - {peer: h1c2, allowed-ips: [10.1.0.4/32], endpoint: h1c2}  # a comment", "a comment"),
            (hubPeer, "        - {peer: 'h1c2', allowed-ips: [10.1.0.4/32], endpoint: h1c2}", "quoted (outside the subset)"),
            (hubPeer, "        - {peer: h1c2, allowed-ips: [10.1.0.4/32], endpoint: h1c2", "unclosed"),
            (hubToHub, "        - {peer: h2, allowed-ips: [10.2.0.0/16, 10.9.0.0/16], endpoint: h2}", "two prefixes"),
            (hubToHub, "        - {peer: h2, allowed-ips: [10.1.0.0/16], endpoint: h2}", "the hub's own /16: a move"),
            (forwarding, "    forwarding: maybe", "not a bool"),
            (forwarding, "    forwarding: false", "no forwarding"),
            (forwarding, "    forwarding: true  # on", "a trailing comment"),
            (forwarding, "    colour: blue", "an unknown key"),
            (address, "      address: [10.0.0.1/16, fd00::1/64]", "two addresses"),
            (address, "      address: [10.0.0.1/40]", "a bad address"),
            (client, "  h2c4: {underlay: 100.64.0.18, wireguard: {address: [10.2.0.6/32], peers: [{peer: h2, allowed-ips: [10.0.0.0/8], endpoint: h2}]}}", "as generated"),
            (client, "  h2c4: {underlay: 100.64.0.18, wireguard: {address: [10.2.0.6/32], peers: [{peer: h0, allowed-ips: [10.0.0.0/8], endpoint: h0}]}}", "another hub's client"),
            (client, "  h2c4: {underlay: 198.18.0.1, wireguard: {address: [10.2.0.6/32], peers: [{peer: h2, allowed-ips: [10.0.0.0/8], endpoint: h2}]}}", "h0's underlay"),
            (client, "  h2c4: {underlay: 100.64.0.18, wireguard: {address: [10.2.0.6/32], peers: [{peer: h2c4, allowed-ips: [10.0.0.0/8], endpoint: h2}]}}", "itself as a peer"),
            (client, "  h2c4: {underlay: 100.64.0.18, forwarding: true, wireguard: {address: [10.2.0.6/32], peers: [{peer: h2, allowed-ips: [10.0.0.0/8], endpoint: h2}]}}", "forwarding"),
            (client, "  h2c4:\n    underlay: 100.64.0.18\n    wireguard: {address: [10.2.0.6/32], peers: [{peer: h2, allowed-ips: [10.0.0.0/8], endpoint: h2}]}", "as a block"),
        ]
        for (number, replacement, what) in cases {
            let changed = replacingLine(number, of: text, with: replacement)
            let outcome = assertSame(changed, what)
            switch what {
            case "as generated": XCTAssertEqual(changed, text)
            case "host bits: a warning": XCTAssertTrue(outcome.contains("nonzero host part"), what)
            case "no such peer": XCTAssertTrue(outcome.contains("peer 'h1c9': no node of that name"), what)
            case "h0's underlay": XCTAssertTrue(outcome.contains("already the underlay of 'h0'"), what)
            case "an unknown key": XCTAssertTrue(outcome.contains("unknown key 'colour'"), what)
            default: break
            }
        }
    }

    /// Any line of a generated world (after its opening lines), edited at random one to three
    /// times: bytes deleted, a piece of the grammar or a node's name inserted, a byte replaced,
    /// a digit changed. Every edited file gives the same outcome all three ways.
    func testRandomlyEditedLinesGiveTheSameOutcome() throws {
        let text = world(hubs: 2, peers: 5, packets: 6)
        let lines = text.components(separatedBy: "\n")
        let pieces = ["{", "}", "[", "]", ", ", ",", ": ", ":", " ", "  ", "- ", "/", ".", "-", "0", "9", "/32", "/16", "/8",
                      "h0", "h1", "h0c3", "h1c4", "h7", "@", "#", " #", "'", "\"", "peer: ", "endpoint: ", "allowed-ips: ",
                      "address: ", "underlay: ", "forwarding: ", "true", "10.0.0.1", "::1", "fd00::/64", "ms", "ns", "s",
                      "{peer: h1c1, allowed-ips: [10.1.0.3/32], endpoint: h1c1}", "|", "&a", "*a", "!!str ", "? "]
        var random = SeededRandom(seed: 14, label: "streamed-hubs-edits")
        var streamedCount = 0
        let rounds = 300
        for round in 0..<rounds {
            let number = Int.random(in: 7...(lines.count - 1), using: &random)   // 1-based; the last line is empty
            var bytes = Array(lines[number - 1].utf8)
            for _ in 0..<Int.random(in: 1...3, using: &random) {
                let at = Int.random(in: 0...bytes.count, using: &random)
                switch Int.random(in: 0..<5, using: &random) {
                case 0: bytes.removeSubrange(min(at, bytes.count)..<min(bytes.count, at + Int.random(in: 1...3, using: &random)))
                case 1, 2: bytes.insert(contentsOf: Array(pieces.randomElement(using: &random)!.utf8), at: at)
                case 3: if at < bytes.count { bytes[at] = Array(pieces.randomElement(using: &random)!.utf8)[0] }
                default:
                    if let digit = bytes[min(at, bytes.count)...].firstIndex(where: { (48...57).contains($0) }) {
                        bytes[digit] = UInt8.random(in: 48...57, using: &random)
                    }
                }
            }
            let edited = replacingLine(number, of: text, with: String(decoding: bytes, as: UTF8.self))
            assertSame(edited, "round \(round), line \(number): \(String(decoding: bytes, as: UTF8.self))")
            if StreamedNodes.read(edited, file: "w.yaml", directory: ".", keysAhead: false)?.nodes != nil { streamedCount += 1 }
        }
        // Many edits stay within the subset (streamed), many do not (read by Yams).
        XCTAssertGreaterThan(streamedCount, rounds / 10)
        XCTAssertLessThan(streamedCount, rounds)
    }
}
