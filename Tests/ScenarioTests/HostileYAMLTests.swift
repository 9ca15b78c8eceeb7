import Foundation
import XCTest
@testable import Scenario

/// Scenario text written to break the reader: deep nesting, alias bombs, control characters,
/// bytes that are not UTF-8, huge values and lines. Each must give a `ScenarioError` naming the
/// file and line — never a crash, a hang or gigabytes of memory.
final class HostileYAMLTests: XCTestCase {
    /// The error `YAMLDocument.load` gives for `text`, or a failure if it reads it.
    func refusal(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> ScenarioError? {
        do {
            _ = try YAMLDocument.load(text, file: "h.yaml")
            XCTFail("expected an error", file: file, line: line)
        } catch let e as ScenarioError {
            XCTAssertEqual(e.file, "h.yaml", file: file, line: line)
            return e
        } catch {
            XCTFail("not a ScenarioError: \(error)", file: file, line: line)
        }
        return nil
    }

    func assertTooDeep(_ text: String, line expectedLine: Int, _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        guard let e = refusal(text, file: file, line: line) else { return }
        XCTAssertEqual(e.line, expectedLine, what, file: file, line: line)
        XCTAssertTrue(e.message.contains("more than 64 levels deep"), "\(what): \(e.message)", file: file, line: line)
    }

    // MARK: Nesting

    func testTheTestersFiveThousandNestedFlowMappingsAreRefused() {
        assertTooDeep("a: " + String(repeating: "{a: ", count: 5000) + "\n", line: 1, "{a: ×5000")
    }

    func testAHundredThousandNestedBracketsOnSeparateLinesAreRefusedAtLevel65() {
        // One per line, so the 64 KiB line limit does not catch it first: the shape check must.
        assertTooDeep(String(repeating: "[\n", count: 100_000), line: 65, "[ ×100000")
        assertTooDeep("a:\n" + String(repeating: " {a:\n", count: 100_000), line: 65, "{a: ×100000")
        assertTooDeep("a: " + String(repeating: "[", count: 30_000) + "\n", line: 1, "[ ×30000 on one line")
    }

    func testDeepBlockNestingIsRefused() {
        // Compact sequences: 30,000 levels within one 60 KB line.
        assertTooDeep("a:\n" + String(repeating: "- ", count: 30_000) + "x\n", line: 2, "- ×30000")
        // Indented mappings: 1,000 levels (each line two spaces deeper).
        let mappings = (0..<1000).map { String(repeating: "  ", count: $0) + "k\($0):" }.joined(separator: "\n") + " x\n"
        assertTooDeep(mappings, line: 65, "mappings ×1000")
        // Indented sequences of mappings, the shape a scenario has.
        let mixed = (0..<1000).map { String(repeating: "  ", count: $0) + "- k:" }.joined(separator: "\n") + " x\n"
        assertTooDeep("a:\n" + mixed, line: 33, "sequences of mappings ×1000")
    }

    func testSixtyFourLevelsAreStillRead() throws {
        let text = "a: " + String(repeating: "[", count: 63) + "x" + String(repeating: "]", count: 63) + "\n"
        var node = try YAMLDocument.load(text, file: "h.yaml").node
        var depth = 0
        while true {
            switch node {
            case .mapping(let pairs, _): node = pairs[0].value
            case .sequence(let items, _): node = items[0]
            case .scalar(let s, _, _):
                XCTAssertEqual(s, "x")
                XCTAssertEqual(depth, 64)
                return
            }
            depth += 1
        }
    }

    // MARK: Aliases

    /// The tester's 561-byte shape: nine anchors, each a list of nine aliases of the one before.
    static let aliasBomb = """
        a: &a [x, x, x, x, x, x, x, x, x]
        b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
        c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
        d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]
        e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]
        f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]
        g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]
        h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g]
        i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h]

        """

    func testTheAliasBombIsRefusedAtTheAliasThatCrossesTheBudget() throws {
        let e = try XCTUnwrap(refusal(Self.aliasBomb))
        // Aliases of b add 9×10 values, of c 9×91, of d 9×820, of e 9×7381: 74,718 in all, under
        // 100,000; f's first alias (66,430 more) crosses it.
        XCTAssertEqual(e.line, 6, e.description)
        XCTAssertTrue(e.message.contains("'*e'"), e.message)
        XCTAssertTrue(e.message.contains("more than 100000 values"), e.message)
    }

    func testAliasesThatNestTooDeepAreRefused() throws {
        // Each anchor is one list deeper than the last: 70 of them reach past 64 levels.
        var lines = ["a0: &a0 [x]"]
        for k in 1..<70 { lines.append("a\(k): &a\(k) [*a\(k - 1)]") }
        let e = try XCTUnwrap(refusal(lines.joined(separator: "\n") + "\n"))
        XCTAssertEqual(e.line, 64, e.description)
        XCTAssertTrue(e.message.contains("alias '*a62'"), e.message)
        XCTAssertTrue(e.message.contains("more than 64 levels deep"), e.message)
    }

    func testOrdinaryAliasesAreExpanded() throws {
        let text = """
            defaults: &d {mtu: 1420, keepalive: 25}
            nodes:
              - *d
              - *d

            """
        let root = try YAMLDocument.load(text, file: "h.yaml").map("root")
        let nodes = try root.required("nodes", in: "root").list("nodes")
        XCTAssertEqual(nodes.count, 2)
        for node in nodes { XCTAssertEqual(try node.map("node")["mtu"]?.string("mtu"), "1420") }
    }

    // MARK: Characters

    func testControlCharactersAreRefusedWithLineColumnAndName() throws {
        let cases: [(String, String)] = [
            ("\u{0}", "U+0000 (NUL)"), ("\u{7}", "U+0007 (BEL)"), ("\u{1B}", "U+001B (ESCAPE)"), ("\u{7F}", "U+007F (DEL)"),
            ("\u{85}", "U+0085 (NEXT LINE)"), ("\u{9B}", "U+009B"), ("\u{2028}", "U+2028 (LINE SEPARATOR)"),
            ("\u{2029}", "U+2029 (PARAGRAPH SEPARATOR)"), ("\u{FFFE}", "U+FFFE"), ("\u{FEFF}", "byte order mark"),
            ("\r", "carriage return"),
        ]
        for (character, name) in cases {
            for (text, column) in [("name: x\nseed: é1\(character)2\n", 9), ("name: x\nseed: é1 # c\(character)\n", 13),
                                   ("name: x\nseed: |\n  a\(character)b\nn: 1", 4)] where !(character == "\r" && text.contains("# c")) {
                // (A carriage return before the line feed is a CRLF line end, read as such.)
                guard let e = refusal(text) else { continue }
                let expectedLine = text.hasPrefix("name: x\nseed: |") ? 3 : 2
                XCTAssertEqual(e.line, expectedLine, "\(name) in \(text.debugDescription)")
                XCTAssertEqual(e.column, column, "\(name) in \(text.debugDescription)")
                XCTAssertTrue(e.message.contains(name), "\(name): \(e.message)")
                XCTAssertTrue(e.description.hasPrefix("h.yaml:\(expectedLine):\(column): "), e.description)
            }
        }
    }

    /// The tester's case: U+2028 in a comment changed the seed depending only on whether the
    /// file ended with a newline (one reader took it for a line break, the other did not).
    func testALineSeparatorInACommentIsRefusedWithOrWithoutTheFinalNewline() throws {
        let text = "name: x\nseed: 1 # c\u{2028}seed: 2"
        let a = try XCTUnwrap(refusal(text)), b = try XCTUnwrap(refusal(text + "\n"))
        XCTAssertEqual(a, b)
        XCTAssertEqual(a.line, 2)
        XCTAssertEqual(a.column, 12)
    }

    /// The tester's other case: DEL in a block scalar was kept by one reader, refused by the other.
    func testDELInABlockScalarIsRefusedWhicheverReaderWouldRead() throws {
        for text in ["d: |\n  a\u{7F}b\n", "d: |\n  a\u{7F}b", "d: |\n\ta\u{7F}b\n"] {
            let e = try XCTUnwrap(refusal(text))
            XCTAssertEqual(e.line, 2, text.debugDescription)
            XCTAssertTrue(e.message.contains("U+007F (DEL)"), e.message)
        }
    }

    func testCRLFTabsAndALeadingByteOrderMarkAreRead() throws {
        let lf = "name: t\nseed: 7\nnodes:\n  a: {underlay: 10.0.0.1}\n  b:\n    underlay: 10.0.0.2\n"
        let expected = try ScenarioLoader.load(text: lf, file: "h.yaml", directory: ".")
        for text in [lf.replacingOccurrences(of: "\n", with: "\r\n"), "\u{FEFF}" + lf,
                     lf.replacingOccurrences(of: "seed: 7", with: "seed:\t7")] {
            let s = try ScenarioLoader.load(text: text, file: "h.yaml", directory: ".")
            XCTAssertEqual(s.seed, expected.seed, text.debugDescription)
            XCTAssertEqual(s.nodes.map(\.name), expected.nodes.map(\.name), text.debugDescription)
        }
        // A byte order mark that starts the file is not a column either.
        let e = try XCTUnwrap(refusal("\u{FEFF}a\u{0}: 1\n"))
        XCTAssertEqual(e.column, 2)
    }

    func testInvalidUTF8NamesLineColumnAndByte() throws {
        let cases: [([UInt8], line: Int, column: Int, byte: String)] = [
            (Array("name: x\nseed: é".utf8) + [0xFF] + Array("\n".utf8), 2, 8, "0xFF"),
            (Array("a: b\n".utf8) + [0xC3, 0x28], 2, 1, "0xC3"),                   // cut-off sequence
            (Array("a: ".utf8) + [0xE0, 0x80, 0x80], 1, 4, "0xE0"),                 // overlong
            (Array("a: ".utf8) + [0xED, 0xA0, 0x80], 1, 4, "0xED"),                 // surrogate
            (Array("a: ".utf8) + [0xF4, 0x90, 0x80, 0x80], 1, 4, "0xF4"),           // above U+10FFFF
            (Array("a: x".utf8) + [0xE2, 0x82], 1, 5, "0xE2"),                      // truncated at the end
        ]
        for (bytes, line, column, byte) in cases {
            XCTAssertThrowsError(try TextFile.decode(bytes, file: "u.yaml")) { error in
                let e = error as? ScenarioError
                XCTAssertEqual(e?.line, line, "\(bytes)")
                XCTAssertEqual(e?.column, column, "\(bytes)")
                XCTAssertTrue(e?.message.contains("byte \(byte) is not valid UTF-8") ?? false, "\(String(describing: e))")
            }
        }
        XCTAssertEqual(try TextFile.decode(Array("a: é€😀\n".utf8), file: "u.yaml"), "a: é€😀\n")
    }

    // MARK: Size

    func testALineLongerThan64KiBIsRefusedNamingIt() throws {
        let e = try XCTUnwrap(refusal("name: x\nnodes:\n  a: " + String(repeating: "y", count: 70_000) + "\n"))
        XCTAssertEqual(e.line, 3)
        XCTAssertTrue(e.message.contains("70005 bytes long"), e.message)
        XCTAssertTrue(e.message.contains("65536"), e.message)
        // The last line, without its newline, too.
        XCTAssertEqual(refusal("a: 1\n" + String(repeating: "#", count: 65_537))?.line, 2)
        // Exactly 64 KiB is fine.
        XCTAssertNoThrow(try YAMLDocument.load("a: " + String(repeating: "y", count: 65_533) + "\n", file: "h.yaml"))
    }

    func testAHugeUnknownValueIsAnsweredQuicklyAndNotEchoedBack() throws {
        let huge = String(repeating: "b", count: 60_000)
        let scenario = """
            name: t
            nodes:
              a: {underlay: 10.0.0.1}
              b: {underlay: 10.0.0.2}
            links:
              - between: [a, \(huge)]

            """
        let started = Date()
        XCTAssertThrowsError(try ScenarioLoader.load(text: scenario, file: "h.yaml", directory: ".")) { error in
            let e = error as? ScenarioError
            XCTAssertEqual(e?.line, 6)
            XCTAssertLessThan(e?.message.utf8.count ?? .max, 300, e?.message ?? "")
            XCTAssertTrue(e?.message.contains("… (60000 bytes)") ?? false, e?.message ?? "")
        }
        // An unknown key of the same size: the did-you-mean search must not compare it.
        XCTAssertThrowsError(try ScenarioLoader.load(text: "name: t\n\(huge)x: 1\n", file: "h.yaml", directory: ".")) { error in
            XCTAssertLessThan((error as? ScenarioError)?.message.utf8.count ?? .max, 400)
        }
        // A megabyte value fits in a file as a block of shorter lines; its echo is cut all the same.
        let block = String(repeating: "      " + String(repeating: "c", count: 50_000) + "\n", count: 20)
        XCTAssertThrowsError(try ScenarioLoader.load(text: "name: t\nnodes:\n  a: {underlay: 10.0.0.1}\nlinks:\n  - between:\n"
                                                     + "    - a\n    - |\n" + block,
                                                     file: "h.yaml", directory: ".")) { error in
            let e = error as? ScenarioError
            XCTAssertEqual(e?.line, 7, e?.description ?? "")
            XCTAssertLessThan(e?.message.utf8.count ?? .max, 300, e?.message ?? "")
            XCTAssertTrue(e?.message.contains("… (1000020 bytes)") ?? false, e?.message ?? "")
        }
        XCTAssertLessThan(Date().timeIntervalSince(started), 5)
    }

    func testAnUnknownNodeInAHugeHubListsOnlySomeNodes() throws {
        let hub = HubGenerator.yaml(peers: 2000, trace: nil, packets: 0) + "links:\n  - between: [hub, p19999]\n"
        XCTAssertThrowsError(try ScenarioLoader.load(text: hub, file: "h.yaml", directory: ".")) { error in
            let message = (error as? ScenarioError)?.message ?? ""
            XCTAssertTrue(message.hasPrefix("unknown node 'p19999' (did you mean 'p1999'?); nodes: hub, p0, p1, p10, "), message)
            XCTAssertTrue(message.hasSuffix(", … (2001 in all)"), message)
        }
    }

    // MARK: Mutations

    /// Shipped scenarios with awkward pieces inserted at random places: each load must end in a
    /// scenario or a `ScenarioError` with the file name (a trap would end the test run).
    func testMutatedScenariosLoadOrFailCleanly() throws {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Scenarios").path
        let files = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".yaml") }.sorted()
        let texts = try files.map { try String(contentsOfFile: folder + "/" + $0, encoding: .utf8) }
        XCTAssertFalse(texts.isEmpty)
        let pieces = ["[", "{", "]", "}", ", ", ": ", "- ", "? ", "#", "'", "\"", "|", ">", "&a ", "*a", "*b ", "!!binary ", "!t ",
                      "\t", "\r\n", "\u{0}", "\u{7F}", "\u{85}", "\u{2028}", "\u{FEFF}", "é", "\"\\ud800\"", "\"\\x00\"",
                      "\n---\n", "\n...\n", "%YAML 1.1\n", "<<: *a\n", "\n  ", "\n- ", "~", "0x1p3", "1e400", "-0", "99999999999999999999"]
        var dice = YAMLSubsetReaderRandomTests.Dice(state: 0x51ED_2701_F00D_CAFE)
        var loaded = 0, refused = 0
        for n in 0..<600 {
            var scalars = Array(dice.pick(texts).unicodeScalars)
            for _ in 0..<(1 + dice.roll(3)) {
                let at = dice.roll(scalars.count + 1)
                scalars.insert(contentsOf: dice.pick(pieces).unicodeScalars, at: at)
            }
            var view = String.UnicodeScalarView()
            view.append(contentsOf: scalars)
            let text = String(view)
            do {
                _ = try ScenarioLoader.load(text: text, file: "m.yaml", directory: "/nonexistent")
                loaded += 1
            } catch let e as ScenarioError {
                XCTAssertTrue(e.description.hasPrefix("m.yaml"), "#\(n): \(e)")
                XCTAssertLessThan(e.message.utf8.count, 2000, "#\(n)")
                refused += 1
            } catch {
                XCTFail("#\(n): not a ScenarioError: \(error)\n\(text.debugDescription)")
            }
        }
        XCTAssertGreaterThan(loaded, 20)
        XCTAssertGreaterThan(refused, 200)
    }
}
