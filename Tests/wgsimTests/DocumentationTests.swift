import Foundation
import WireGuard
import XCTest

/// The repository stands on its own: every `§` citation in the Swift sources names a section
/// that exists in the project's docs, and no tracked text file points outside the checkout.
final class DocumentationTests: XCTestCase {
    /// One `§` citation: where it is, what it cites, and in which docs/ file.
    struct Citation: CustomStringConvertible {
        var file: String
        var line: Int
        var section: String
        var document: String
        var description: String { "\(file):\(line): §\(section) (\(document))" }
    }

    static let behaviourDoc = "wireguard-behaviour.md"

    /// Section numbers that head a line of `docs/NAME`: `## 1.7 Lookup`, `## 2. Send path`,
    /// `### 8.4 …`, `## Appendix A.1 …` give "1.7", "2", "8.4", "A.1".
    static func headings(ofDocument name: String) throws -> Set<String> {
        let url = CLIRunner.packageRoot.appendingPathComponent("docs").appendingPathComponent(name)
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw DocumentError(description: "cannot read \(url.path)")
        }
        let heading = try NSRegularExpression(pattern: #"^#+\s+(?:Appendix\s+)?([0-9A-Z]+(?:\.[0-9]+)*)\.?(?:\s|$)"#)
        var numbers: Set<String> = []
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n") {
            let text = String(line)
            let range = NSRange(text.startIndex..., in: text)
            if let match = heading.firstMatch(in: text, range: range), let number = Range(match.range(at: 1), in: text) {
                numbers.insert(String(text[number]))
            }
        }
        return numbers
    }

    struct DocumentError: Error, CustomStringConvertible {
        var description: String
    }

    /// Every `§` citation in `text` that refers to a project document. A citation whose clause
    /// names a standard just before it (`RFC 8200 §4`, `draft-irtf-cfrg-xchacha-03 §A.3.1`,
    /// `the draft's §2.2.1`, `pcapng spec §4.7`) belongs to that standard and is left out. One
    /// that names another docs/ file (`scenario-reference.md §2`) is checked against that file;
    /// any other, bare or "behaviour doc", against docs/wireguard-behaviour.md. A range
    /// `§4.6-4.8` cites both ends.
    static func citations(in text: String, file: String) -> [Citation] {
        // Comment markers would hide a qualifier on the line above ("RFC 1122\n/// §3.2.2").
        let cleaned = text.replacingOccurrences(of: #"\n[ \t]*///?"#, with: "\n", options: .regularExpression)
        let chars = Array(cleaned)
        let qualifier = try! NSRegularExpression(
            pattern: #"(RFC\s?\d+|draft[-\w.']*|\bspec\b|IEEE\s?[\w.]+|ISO\s?[\w.]+|([\w-]+)\.md|behaviour doc)"#,
            options: [.caseInsensitive])
        let cite = try! NSRegularExpression(pattern: #"§\s?([0-9A-Z][0-9A-Za-z]*(?:\.[0-9A-Za-z]+)*)(?:\s?[-–]\s?§?([0-9]+(?:\.[0-9]+)*))?"#)
        let whole = NSRange(cleaned.startIndex..., in: cleaned)
        var out: [Citation] = []
        for match in cite.matches(in: cleaned, range: whole) {
            guard let start = Range(match.range, in: cleaned)?.lowerBound else { continue }
            // The clause before the citation: back to an opening bracket or the end of a sentence.
            var i = cleaned.distance(from: cleaned.startIndex, to: start)
            var clause: [Character] = []
            while i > 0 && clause.count < 160 {
                let c = chars[i - 1]
                if c == "(" || c == "[" { break }
                if c == "." && i < chars.count && (chars[i] == " " || chars[i] == "\n") { break }
                clause.insert(c, at: 0)
                i -= 1
            }
            let clauseText = String(clause)
            let found = qualifier.matches(in: clauseText, range: NSRange(clauseText.startIndex..., in: clauseText)).last
            var document = behaviourDoc
            if let found, let range = Range(found.range, in: clauseText) {
                let name = String(clauseText[range])
                if name.lowercased().hasSuffix(".md") {
                    document = name
                } else if name.lowercased() != "behaviour doc" {
                    continue  // a standard's own section
                }
            }
            let line = cleaned[..<start].reduce(1) { $1 == "\n" ? $0 + 1 : $0 }
            for group in [1, 2] {
                guard let range = Range(match.range(at: group), in: cleaned) else { continue }
                out.append(Citation(file: file, line: line, section: String(cleaned[range]), document: document))
            }
        }
        return out
    }

    /// Swift files under Sources, Tests, Benchmarks and fuzz (paths relative to the root).
    static func swiftFiles() throws -> [String] {
        let root = CLIRunner.packageRoot
        var files: [String] = []
        for top in ["Sources", "Tests", "Benchmarks", "fuzz"] {
            guard let walker = FileManager.default.enumerator(atPath: root.appendingPathComponent(top).path) else { continue }
            while let relative = walker.nextObject() as? String {
                if relative.hasSuffix(".swift") { files.append(top + "/" + relative) }
            }
        }
        return files.sorted()
    }

    func testTheCitationFinderTellsStandardsFromProjectSections() {
        let sample = """
        /// Kernel order (§1.4 steps 4-7, behaviour doc §4.6-4.8) and RFC 8200 §4.1, following RFC 1122
        /// §3.2.2 and RFC 4443 §2.4(e); draft-irtf-cfrg-xchacha-03 §A.3.1. Also (wireguard-behaviour.md §2 step 10, §4.1),
        /// the draft's §2.2.1, pcapng spec §4.7, and (see scenario-reference.md §3).
        """
        let found = Self.citations(in: sample, file: "sample").map { "\($0.section)@\($0.document)" }
        XCTAssertEqual(found, ["1.4@wireguard-behaviour.md", "4.6@wireguard-behaviour.md", "4.8@wireguard-behaviour.md",
                               "2@wireguard-behaviour.md", "4.1@wireguard-behaviour.md", "3@scenario-reference.md"])
    }

    func testEverySectionCitationResolvesToAHeading() throws {
        var headingsByDocument: [String: Set<String>] = [:]
        var checked = 0
        // This file's own citations are examples for the finder, not references.
        for file in try Self.swiftFiles() where !file.hasSuffix("/DocumentationTests.swift") {
            let url = CLIRunner.packageRoot.appendingPathComponent(file)
            guard let data = FileManager.default.contents(atPath: url.path) else { XCTFail("cannot read \(file)"); continue }
            for citation in Self.citations(in: String(decoding: data, as: UTF8.self), file: file) {
                if headingsByDocument[citation.document] == nil {
                    do {
                        headingsByDocument[citation.document] = try Self.headings(ofDocument: citation.document)
                    } catch {
                        XCTFail("\(citation): \(error)")
                        headingsByDocument[citation.document] = []
                    }
                }
                checked += 1
                XCTAssertTrue(headingsByDocument[citation.document]!.contains(citation.section),
                              "\(citation) cites a section with no heading in docs/\(citation.document)")
            }
        }
        // The sources cite the behaviour doc about two hundred times; finding none means the
        // scan itself broke.
        XCTAssertGreaterThan(checked, 100)
    }

    func testTheBehaviourDocKeepsItsNumberedSections() throws {
        let headings = try Self.headings(ofDocument: Self.behaviourDoc)
        var expected = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "3.1", "3.2", "3.3", "3.4", "3.5", "5.1", "5.2"]
        expected += (1...11).map { "1.\($0)" } + (1...8).map { "4.\($0)" } + (1...6).map { "7.\($0)" }
            + (1...10).map { "8.\($0)" }
        XCTAssertEqual(Set(expected).subtracting(headings), [])
    }

    /// Files git tracks, or every file under the root when there is no git checkout (an export
    /// made with `git archive`) or `useGit` is false, leaving out build products.
    static func repositoryFiles(useGit: Bool = true) -> [String] {
        let root = CLIRunner.packageRoot
        if useGit, let tracked = trackedFiles(root) { return tracked }
        var files: [String] = []
        let skipped: Set<String> = [".build", ".git", ".swiftpm", "out", "fuzz-out"]
        guard let walker = FileManager.default.enumerator(atPath: root.path) else { return [] }
        while let relative = walker.nextObject() as? String {
            let first = relative.split(separator: "/").first.map(String.init) ?? relative
            if skipped.contains(first) || first.hasPrefix(".build") {
                walker.skipDescendants()
                continue
            }
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: root.appendingPathComponent(relative).path, isDirectory: &isDirectory),
               !isDirectory.boolValue {
                files.append(relative)
            }
        }
        return files
    }

    /// `git ls-files` of the checkout at `root`, or nil when git or the checkout is missing.
    static func trackedFiles(_ root: URL) -> [String]? {
        let git = Process()
        git.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        git.arguments = ["git", "-C", root.path, "ls-files", "-z"]
        let pipe = Pipe()
        git.standardOutput = pipe
        git.standardError = FileHandle.nullDevice
        guard (try? git.run()) != nil else { return nil }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        git.waitUntilExit()
        guard git.terminationStatus == 0, !data.isEmpty else { return nil }
        return String(decoding: data, as: UTF8.self).split(separator: "\0").map(String.init)
    }

    func testNoTrackedFileReachesOutsideTheRepository() {
        // Built from pieces so that this file does not match itself.
        let forbidden = [".." + "/shared", "/" + "work/"]
        let files = Self.repositoryFiles()
        XCTAssertGreaterThan(files.count, 50, "the file listing found almost nothing")
        for file in files {
            guard let data = FileManager.default.contents(atPath: CLIRunner.packageRoot.appendingPathComponent(file).path),
                  !data.contains(0) else { continue }  // binary (pcaps, corpus inputs)
            let text = String(decoding: data, as: UTF8.self)
            for needle in forbidden where text.contains(needle) {
                // Only where an absolute path starts: a folder of that name inside the repository (a
                // relative path ending in it) is not outside.
                func reachesOut(_ line: String) -> Bool {
                    line.components(separatedBy: needle).dropLast().contains { before in
                        before.last.map { !($0.isLetter || $0.isNumber || "._-".contains($0)) } ?? true
                    }
                }
                guard let index = text.components(separatedBy: "\n").firstIndex(where: reachesOut) else { continue }
                let line = index + 1
                XCTFail("\(file):\(line) mentions \(needle), a path outside the repository")
            }
        }
    }
    /// Every Markdown file a Swift file names exists in the repository: a path with a folder
    /// (`docs/decision-log.md`) from the root, a bare name (`wireguard-behaviour.md`,
    /// `RESULTS.md`) anywhere in the tree.
    func testEveryDocumentNamedInTheCodeExists() throws {
        let files = Self.repositoryFiles(useGit: false)
        let names = Set(files.map { ($0 as NSString).lastPathComponent })
        let mention = try NSRegularExpression(pattern: #"[A-Za-z0-9_./-]*[A-Za-z0-9_-]+\.md\b"#)
        var checked = 0
        for file in try Self.swiftFiles() where !file.hasSuffix("/DocumentationTests.swift") {
            guard let data = FileManager.default.contents(atPath: CLIRunner.packageRoot.appendingPathComponent(file).path) else { continue }
            let text = String(decoding: data, as: UTF8.self)
            for match in mention.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
                guard let range = Range(match.range, in: text) else { continue }
                let named = String(text[range])
                checked += 1
                let exists = named.contains("/")
                    ? FileManager.default.fileExists(atPath: CLIRunner.packageRoot.appendingPathComponent(named).path)
                    : names.contains(named)
                XCTAssertTrue(exists, "\(file) names \(named), which is not in the repository")
            }
        }
        XCTAssertGreaterThan(checked, 10)
    }

    /// docs/decision-log.md lists every action name the code can log or an expectation accepts,
    /// and every key a decisions.jsonl line can carry (read from the sources that define them).
    func testTheDecisionLogDocCoversEveryActionAndField() throws {
        func source(_ path: String) throws -> String {
            guard let data = FileManager.default.contents(atPath: CLIRunner.packageRoot.appendingPathComponent(path).path) else {
                throw DocumentError(description: "cannot read \(path)")
            }
            return String(decoding: data, as: UTF8.self)
        }
        func strings(_ pattern: String, in text: String) throws -> Set<String> {
            let regex = try NSRegularExpression(pattern: pattern)
            return Set(regex.matches(in: text, range: NSRange(text.startIndex..., in: text)).compactMap {
                Range($0.range(at: 1), in: text).map { String(text[$0]) }
            })
        }
        let doc = try source("docs/decision-log.md")
        // Every action the one `Action` enum can name (WireGuard and the simulator share it).
        let actions = Set(Action.allCases.map(\.rawValue))
        XCTAssertGreaterThan(actions.count, 30)
        for action in actions.sorted() {
            XCTAssertTrue(doc.contains("| `\(action)` |"), "docs/decision-log.md does not describe the action \(action)")
        }
        let composer = try source("Sources/Sim/DecisionLineComposer.swift")
        let keys = try strings(#"\{?,?\\?"([a-z-]+)\\?":"#, in: composer)
        XCTAssertGreaterThan(keys.count, 15)
        for key in keys.sorted() {
            XCTAssertTrue(doc.contains("`\(key)`"), "docs/decision-log.md does not describe the JSON key \(key)")
        }
    }
}
