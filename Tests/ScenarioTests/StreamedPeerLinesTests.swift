import Foundation
import XCTest
@testable import Scenario
@testable import Sim
import WireGuard

/// A generated hub's `wireguard: peers:` items, converted from their lines' bytes as the subset
/// reader reads them (`StreamedNodeLine.convertPeer`, offered by `YAMLSubsetReader` through
/// `EntrySinks.peerLine`), give the scenario the tree path gives, and every warning and error
/// stays the tree path's.
final class StreamedPeerLinesTests: XCTestCase {
    /// The 1-based line of the hub's peer `name`.
    private func line(ofHubPeer name: String, in text: String) throws -> Int {
        try XCTUnwrap(text.components(separatedBy: "\n").firstIndex { $0.hasPrefix("        - {peer: \(name),") }) + 1
    }

    /// How many peers were converted from their lines, or nil when the file was not streamed.
    private func peersFromLines(_ text: String) -> Int? {
        StreamedNodes.read(text, file: "g.yaml", directory: ".", keysAhead: false)?.nodes?.peersFromLines
    }

    func testGeneratedHubPeersAreConvertedFromTheirLines() throws {
        for peers in [1, 7, 300] {
            let text = generatedHub(peers)
            XCTAssertFalse(assertStreamedMatchesTree(text, "hub of \(peers)").hasPrefix("error"))
            XCTAssertEqual(peersFromLines(text), peers, "every hub peer, not the clients' (on their node's line)")
        }
    }

    /// Hub peer lines of other shapes: taken (and the same scenario) or left to the tree path
    /// (and its scenario, warning or error), the other peers still taken around them.
    func testHubPeerLinesOfOtherShapesGiveTheTreePathsOutcome() throws {
        let text = generatedHub(12)
        let p4 = try line(ofHubPeer: "p4", in: text)
        let cases: [(line: String, what: String, taken: Int?)] = [
            ("        - {peer: p4, allowed-ips: [10.0.0.6/32, 192.168.4.0/24], endpoint: p4}", "as generated", 12),
            ("        - {peer: p4, allowed-ips: [10.0.0.6/32], endpoint: p5}", "another endpoint", 12),
            ("        - {peer: p4, allowed-ips: [172.16.0.0/12, 10.0.0.6/32, 10.9.0.0/16], endpoint: p4}", "three prefixes", 12),
            ("        - {peer: hub, allowed-ips: [10.0.0.6/32], endpoint: p4}", "the hub itself: taken, refused", 12),
            ("        - {peer: p4, allowed-ips: [10.0.0.7/24], endpoint: p4}", "host bits: a warning", 11),
            ("        - {peer: p99, allowed-ips: [10.0.0.6/32], endpoint: p4}", "no such peer", 11),
            ("        - {peer: p4, allowed-ips: [10.0.0.6/32], endpoint: p99}", "no such endpoint", 11),
            ("        - {peer: p4, allowed-ips: [10.0.0.6/40], endpoint: p4}", "a bad prefix", 11),
            ("        - {peer: p4, allowed-ips: [], endpoint: p4}", "no allowed IPs", 11),
            ("        - {peer: p4, allowed-ips: [10.0.0.6/32], endpoint: p4}  # a comment", "a comment", 11),
            ("        - {peer: p4, allowed-ips: [10.0.0.6/32], endpoint: p4} ", "a trailing space", 11),
            ("        - {peer: p4, allowed-ips: [10.0.0.6/32], endpoint: p4, persistent-keepalive: 25}", "another key", 11),
            ("        - {endpoint: p4, peer: p4, allowed-ips: [10.0.0.6/32]}", "keys in another order", 11),
            ("        - {peer: p4, allowed-ips: [10.0.0.6/32], endpoint: 100.64.0.6:51820}", "an address endpoint", nil),
            ("        - {peer: p4, allowed-ips: [10.0.0.6/32], endpoint: p4, peer: p5}", "a key twice", 11),
            ("        - {peer: p4,  allowed-ips: [10.0.0.6/32], endpoint: p4}", "two spaces", 11),
            ("        - {peer: p4, allowed-ips: [10.0.0.6/32], endpoint: p4}}", "one brace too many", nil),
            ("        - {peer: @p4, allowed-ips: [10.0.0.6/32], endpoint: p4}", "@ (outside the subset)", nil),
            ("        - {}", "an empty mapping", 11),
            ("        - peer: p4", "a block mapping", 11),
        ]
        for (line, what, taken) in cases {
            let changed = replacingLine(p4, of: text, with: line)
            let outcome = assertStreamedMatchesTree(changed, what)
            XCTAssertEqual(peersFromLines(changed), taken, what)
            switch what {
            case "as generated", "another endpoint", "three prefixes", "another key", "keys in another order", "an address endpoint":
                XCTAssertFalse(outcome.hasPrefix("error"), what)
            case "host bits: a warning": XCTAssertTrue(outcome.contains("nonzero host part"), what)
            case "the hub itself: taken, refused": XCTAssertTrue(outcome.contains("\(p4)") && outcome.contains("node 'hub' lists itself as a peer"), outcome)
            case "no such peer": XCTAssertTrue(outcome.contains("g.yaml:\(p4)") && outcome.contains("peer 'p99'"), outcome)
            case "a key twice": XCTAssertTrue(outcome.contains("appears twice"), outcome)
            default: break
            }
        }
    }

    /// Only the items of a node's own `wireguard: peers:` are offered: a `peers:` list anywhere
    /// else in a node (here under a key the loader refuses) is read as nodes.
    func testOnlyANodesWireGuardPeersAreOffered() throws {
        let text = generatedHub(5)
        var lines = text.components(separatedBy: "\n")
        let firstClient = try XCTUnwrap(lines.firstIndex { $0.hasPrefix("  p0: {") })
        lines.insert(contentsOf: ["    extra:", "      wireguard:", "        peers:",
                                  "          - {peer: p1, allowed-ips: [10.0.0.3/32], endpoint: p1}"], at: firstClient)
        let changed = lines.joined(separator: "\n")
        XCTAssertEqual(peersFromLines(changed), 5)
        XCTAssertTrue(assertStreamedMatchesTree(changed, "a peers list elsewhere").contains("unknown key 'extra'"))
    }

    /// The converter is a second reader of one shape, so it is checked against the tree path on
    /// lines near that shape: a generated hub peer line with one to three random edits (bytes
    /// deleted, a piece of the grammar or another node's name inserted, a byte replaced, a digit
    /// changed). Each edited file must load to the same scenario, warning or first error both ways.
    func testRandomlyEditedHubPeerLinesGiveTheTreePathsOutcome() throws {
        let text = generatedHub(8)
        let p4 = try line(ofHubPeer: "p4", in: text)
        let original = Array(text.components(separatedBy: "\n")[p4 - 1].utf8)
        let pieces = ["{", "}", "[", "]", ", ", ",", ": ", ":", " ", "/", ".", "-", "0", "9", "/32", "/24", "/8",
                      "hub", "p5", "p4", "p99", "@", "#", " #", "'", "\"", "peer: ", "endpoint: ", "allowed-ips: ",
                      "public-key: ", "10.0.0.1", "::1", "fd00::/64", "- ", "{peer: p5, allowed-ips: [10.9.0.0/16], endpoint: p5}"]
        var random = SeededRandom(seed: 16, label: "streamed-peer-line-edits")
        var taken = 0, declined = 0
        for round in 0..<400 {
            var bytes = original
            for _ in 0..<Int.random(in: 1...3, using: &random) {
                let at = Int.random(in: 8..<bytes.count, using: &random)   // after the indentation
                switch Int.random(in: 0..<5, using: &random) {
                case 0: bytes.removeSubrange(at..<min(bytes.count, at + Int.random(in: 1...3, using: &random)))
                case 1: bytes.insert(contentsOf: Array(pieces.randomElement(using: &random)!.utf8), at: at)
                case 2: bytes[at] = Array(pieces.randomElement(using: &random)!.utf8)[0]
                default:   // a digit changed: other addresses, host bits, lengths out of range
                    if let digit = bytes[at...].firstIndex(where: { (48...57).contains($0) }) {
                        bytes[digit] = UInt8.random(in: 48...57, using: &random)
                    }
                }
                if bytes.count <= 9 { bytes = original }
            }
            let edited = replacingLine(p4, of: text, with: String(decoding: bytes, as: UTF8.self))
            assertStreamedMatchesTree(edited, "round \(round): \(String(decoding: bytes, as: UTF8.self))")
            switch peersFromLines(edited) {
            case 8: taken += 1
            case 7: declined += 1
            default: break
            }
        }
        // Some edits keep a line the converter takes (another valid prefix or name); many do not.
        XCTAssertGreaterThan(taken, 0)
        XCTAssertGreaterThan(declined, 0)
    }
}
