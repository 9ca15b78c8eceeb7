import Foundation
import XCTest
import Yams
@testable import Scenario

/// A canonical dump of a tree (shared with the `scenario` fuzz target, FuzzScenarioTargets.swift).
private func dump(_ node: YAMLNode) -> String { canonicalDump(node) }

/// The fast YAML reader must read exactly what Yams reads — values, nesting, plain-ness and the
/// line of every node (the loader's error messages name it) — and give up on anything else, so
/// that Yams still reports every syntax error itself.
final class YAMLSubsetReaderTests: XCTestCase {
    func yamsTree(_ text: String) throws -> YAMLNode? { try Yams.compose(yaml: text).map(YAMLNode.init) }

    /// Asserts the fast reader accepts `text` and agrees with Yams node for node.
    func assertSameAsYams(_ text: String, _ what: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let fast = try XCTUnwrap(YAMLSubsetReader.read(text), "\(what): expected within the subset", file: file, line: line)
        let yams = try XCTUnwrap(try yamsTree(text), file: file, line: line)
        XCTAssertEqual(dump(fast), dump(yams), what, file: file, line: line)
    }

    /// Generated hubs must keep the fast path, however large: their lines differ only in numbers,
    /// so 5,000 peers stand for 100,000 (23 MB, checked once by hand: 28 s in a debug build).
    func testGeneratedHubsStayWithinTheSubset() {
        XCTAssertNotNil(YAMLSubsetReader.read(HubGenerator.yaml(peers: 5000, trace: "t.pcap", packets: 1000)))
    }

    /// The reader recurses once per level: deeper than `YAMLShapeCheck.maxDepth` it gives up
    /// (and `YAMLShapeCheck` refuses the file) rather than recursing further.
    func testGivesUpPastTheDepthLimit() throws {
        let flow = { (n: Int) in "a: " + String(repeating: "[", count: n) + "x" + String(repeating: "]", count: n) + "\n" }
        try assertSameAsYams(flow(63), "64 levels")
        XCTAssertNil(YAMLSubsetReader.read(flow(64)))
        XCTAssertNil(YAMLSubsetReader.read(flow(30_000)))
        let block = { (n: Int) in (0..<n).map { String(repeating: "  ", count: $0) + "k:" }.joined(separator: "\n") + " x\n" }
        try assertSameAsYams(block(64), "64 block levels")
        XCTAssertNil(YAMLSubsetReader.read(block(65)))
    }

    func testGeneratedHubIsReadAsYamsReadsIt() throws {
        try assertSameAsYams(HubGenerator.yaml(peers: 300, trace: "t.pcap", packets: 10), "hub with trace")
        try assertSameAsYams(HubGenerator.yaml(peers: 3, trace: nil, packets: 0), "hub without trace")
    }

    func testShippedScenariosReadAsYamsReadsThem() throws {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Scenarios").path
        let files = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".yaml") }.sorted()
        XCTAssertFalse(files.isEmpty)
        var accepted: [String] = []
        for name in files {
            let text = try String(contentsOfFile: folder + "/" + name, encoding: .utf8)
            // Outside the subset is fine (Yams reads it); inside, the trees must agree.
            if let fast = YAMLSubsetReader.read(text) {
                XCTAssertEqual(dump(fast), try yamsTree(text).map(dump), name)
                accepted.append(name)
            }
        }
        // Most shipped scenarios are within the subset, so this compares real files.
        XCTAssertGreaterThanOrEqual(accepted.count, files.count / 2, "accepted only \(accepted)")
    }

    func testBlockCollectionsFlowCollectionsLiteralsAndComments() throws {
        try assertSameAsYams("""
            # a comment line
            name: demo-1
            description: |
              first line

              third line, with: colons # and hashes
                indented more

            seed: 42    # a trailing comment
            note: the server's ping, at 10:20 [approx.] {sic} via fd00::1
            nodes:   # comment after a key

              a:
                underlay: 10.0.0.1
                routes:
                  - 10.1.0.0/16 dev wg0
                  - default dev eth0 metric 5
                wireguard:
                  address: [10.0.0.1/24, fd00/64]
                  peers:
                    - peer: b
                      allowed-ips: []
                    # between entries
                    - {peer: b, endpoint: b, x: {y: [z, w]}, e: {}}  # after a flow mapping
              b: {underlay: 10.0.0.2}
            events:
              -   at: 1s
                  node: a
            expect:
              - node: a
                count: 0

            """, "mixed")
    }

    /// Anything the subset does not cover is left to Yams (nil), including every syntax error.
    func testGivesUpOutsideTheSubset() {
        let outside = [
            "a: 'quoted'\n", "a: \"quoted\"\n", "a: &x 1\nb: *x\n", "a: !tag 1\n", "a: >\n  folded\n",
            "a: b #\n  c\n", "a: [x] #c\n  y\n", "a: b: c\n", "a: b:\n", "a: [b #c]\n", "a: x\u{7}y\n", "a:\n  - x\n  y: 1\n", "a:\nb: 1\n", "a: [1,\n  2]\n", "a: [1, ]\n",
            "a: plain\n  continued\n", "a:\tb\n", "a: 1", "- a\n", "---\na: 1\n", "a: -1\n", "a: ~\n",
            "a: {b:c}\n", "a: b#c\n", "a:\n- x\n", "a: |\n\n  x\n", "a: |-\n  x\n", "key with space: 1\n",
            " a: 1\n", "a: 1\n b: 2\n", "a: [x]]\n", "a: é\n", "", "\n",
            // Bytes libyaml reads by rules of its own, wherever they are (even in a comment).
            "a: 1 # c\u{2028}b: 2\n", "a: 1 # c\u{2029}\n", "a: 1 # \u{85}\n", "# é\na: 1\n", "a: |\n  x\u{7F}\n",
            "a: |\n  é\n", "a: x\u{7F}\n", "\u{FEFF}a: 1\n", "a: 1\r\nb: 2\r\n", "a: 1 # \u{1}\n",
        ]
        for text in outside { XCTAssertNil(YAMLSubsetReader.read(text), text.debugDescription) }
    }
}

/// Random documents built from YAML's awkward corners: whatever the fast reader accepts, Yams
/// must read to the same tree (and must not refuse).
final class YAMLSubsetReaderRandomTests: XCTestCase {
    /// xorshift64*: a fixed sequence, so a failure reproduces.
    struct Dice {
        var state: UInt64
        mutating func roll(_ n: Int) -> Int {
            state ^= state >> 12; state ^= state << 25; state ^= state >> 27
            return Int((state &* 2685821657736338717) >> 33) % n
        }
        mutating func pick<T>(_ items: [T]) -> T { items[roll(items.count)] }
    }

    static let scalars = ["a", "p0", "10.0.0.1/24", "fd00::1", "a b", "a  b ", "a: b", "a:b", "a:", "#x", "a #c", "x#y",
                          "-1", "- a", "-", "'q'", "\"q\"", "it's", "~", "", "[a, b]", "[a,b]", "{k: v}", "{k:v}", "{k: }",
                          "[a, [b, {c: d}]]", "[a, ]", "[", "]", "{", "}", "|", "|-", ">", "&a x", "*a", "!t x", "%x", "@x",
                          "`x", "a,b", "a]", "x: [y]", "é", "1s", "true", "null", "a [b] {c}", "? x", "a # b: c", ".5", "/x"]
    /// Characters YAML 1.1 reads by rules of its own (line breaks, controls, BOM), picked now and then.
    static let awkward = ["a\u{2028}b", "x\u{2029}", "\u{85}x", "a\u{7F}", "x\u{1}y", "a\tb", "\u{FEFF}x", "a\u{A0}b",
                          "a # c\u{2028}b: 1", "x\ry"]
    static let keys = ["a", "b", "node-1", "x.y", "_k", "k/v", "a b", "-k", "?", "1", "é", "k:"]

    func scalar(_ dice: inout Dice) -> String {
        dice.roll(12) == 0 ? dice.pick(Self.awkward) : dice.pick(Self.scalars)
    }

    func randomDocument(_ dice: inout Dice) -> String {
        var lines: [String] = []
        func block(_ indent: Int, depth: Int) {
            let pad = String(repeating: " ", count: indent)
            for _ in 0..<(1 + dice.roll(3)) {
                switch dice.roll(12) {
                case 0: lines.append(dice.roll(2) == 0 ? "" : pad + "# comment" + (dice.roll(6) == 0 ? dice.pick(["\u{2028}b: 1", "\u{85}", "\u{7F}", "é"]) : ""))
                case 1 where depth < 3:
                    lines.append(pad + dice.pick(Self.keys) + ":" + dice.pick(["", "  ", " # c"]))
                    block(indent + dice.pick([1, 2, 2, 4]), depth: depth + 1)
                case 2 where depth < 3:
                    lines.append(pad + dice.pick(Self.keys) + ":")
                    let inner = indent + dice.pick([0, 2, 2, 3])
                    for _ in 0..<(1 + dice.roll(3)) {
                        if dice.roll(2) == 0 {
                            lines.append(String(repeating: " ", count: inner) + "- " + scalar(&dice))
                        } else {
                            lines.append(String(repeating: " ", count: inner) + "- " + dice.pick(Self.keys) + ": " + scalar(&dice))
                            if dice.roll(2) == 0 {
                                lines.append(String(repeating: " ", count: inner + dice.pick([1, 2, 3])) + dice.pick(Self.keys) + ": "
                                             + scalar(&dice))
                            }
                        }
                    }
                case 3:
                    lines.append(pad + dice.pick(Self.keys) + ": |" + dice.pick(["", "", " ", "-", "+"]))
                    let contentIndent = indent + dice.pick([0, 1, 2, 2, 4])
                    for _ in 0..<(1 + dice.roll(3)) {
                        let extra = String(repeating: " ", count: dice.pick([0, 0, 1, 3]))
                        lines.append(dice.roll(5) == 0 ? String(repeating: " ", count: dice.roll(6))
                                     : String(repeating: " ", count: contentIndent) + extra + scalar(&dice))
                    }
                default:
                    lines.append(pad + dice.pick(Self.keys) + dice.pick([": ", ":  ", ":"]) + scalar(&dice)
                                 + dice.pick(["", "", "  ", " # c", "#c"]))
                }
            }
        }
        block(0, depth: 0)
        // Line ends, a byte order mark, tab indentation: occasionally, so most documents stay plain.
        let newline = dice.roll(10) == 0 ? "\r\n" : "\n"
        var text = lines.joined(separator: newline) + (dice.roll(8) == 0 ? "" : newline)
        if dice.roll(20) == 0 { text = "\u{FEFF}" + text }
        if dice.roll(20) == 0 { text = text.replacingOccurrences(of: "\n  ", with: "\n\t") }
        return text
    }

    func testRandomDocumentsReadAsYamsReadsThem() throws {
        var dice = Dice(state: 0x9E37_79B9_7F4A_7C15)
        var accepted = 0
        for n in 0..<30_000 {
            let text = randomDocument(&dice)
            // The whole path: whatever it accepts (by either reader) is what Yams reads; what it
            // refuses is a ScenarioError with a line.
            do {
                let loaded = try YAMLDocument.load(text, file: "r.yaml")
                let viaYams: YAMLNode?
                do { viaYams = try Yams.compose(yaml: String(text.unicodeScalars.drop { $0 == "\u{FEFF}" })).map(YAMLNode.init) } catch {
                    XCTFail("#\(n): loaded, but Yams refuses it (\(error)):\n\(text.debugDescription)")
                    continue
                }
                XCTAssertEqual(dump(loaded.node), viaYams.map(dump), "#\(n):\n\(text.debugDescription)")
            } catch let e as ScenarioError {
                XCTAssertNotNil(e.line, "#\(n): \(e)")
            } catch {
                XCTFail("#\(n): not a ScenarioError: \(error)")
            }
            guard let fast = YAMLSubsetReader.read(text) else { continue }
            accepted += 1
            let yams: YAMLNode?
            do { yams = try Yams.compose(yaml: text).map(YAMLNode.init) } catch {
                XCTFail("#\(n): accepted, but Yams refuses it (\(error)):\n\(text)")
                continue
            }
            XCTAssertEqual(dump(fast), yams.map(dump), "#\(n):\n\(text)")
        }
        // Enough of them are within the subset for the comparison to mean something.
        XCTAssertGreaterThan(accepted, 800)
    }
}
