import Foundation
import Yams
@testable import Scenario
import Sim

/// A canonical dump of a YAML tree: kind, line, plain-ness and text of every node. Two readers
/// agree on a document exactly when their dumps are equal (YAMLSubsetReaderTests and the
/// `scenario` fuzz target compare the subset reader with Yams through it).
func canonicalDump(_ node: YAMLNode) -> String {
    switch node {
    case .scalar(let text, let line, let plain): return "\(plain ? "P" : "Q")\(line)\(text.debugDescription)"
    case .sequence(let items, let line): return "S\(line)[" + items.map(canonicalDump).joined(separator: ",") + "]"
    case .mapping(let pairs, let line):
        return "M\(line){" + pairs.map { canonicalDump($0.key) + ":" + canonicalDump($0.value) }.joined(separator: ",") + "}"
    }
}

/// Fuzz targets for everything the Scenario module reads from text: scenario files (both YAML
/// paths and the checks after them), wg-quick files, `run:` command lines, durations and
/// timestamps. Each returns the properties `data` violates (empty when all hold).
///
/// Shared by the libFuzzer binary (fuzz/build.sh, fuzz/main.swift) and by
/// `FuzzScenarioCorpusReplayTests`, which replays the committed corpora in every `swift test`.
enum FuzzScenarioTargets {
    /// Where the targets resolve relative file names: a folder that does not exist, so a fuzz
    /// input can name `config:`, `replay:` or key files but never reads one.
    static let directory = "/nonexistent-wgsim-fuzz"
    static let nodeNames: Set<String> = ["alice", "bob", "carol", "hub", "p0"]

    /// Scenario text: the subset reader agrees with Yams wherever it answers, and loading either
    /// succeeds or throws a `ScenarioError` naming the file.
    static func scenario(_ data: [UInt8]) -> [String] {
        guard let text = utf8Text(data) else { return [] }
        var problems: [String] = []
        if let fast = YAMLSubsetReader.read(text) {
            do {
                if let yams = try Yams.compose(yaml: text).map(YAMLNode.init) {
                    if canonicalDump(fast) != canonicalDump(yams) { problems.append("subset reader and Yams read different trees") }
                } else {
                    problems.append("subset reader reads a tree where Yams reads an empty document")
                }
            } catch {
                problems.append("subset reader accepts what Yams refuses: \(error)")
            }
        }
        do {
            _ = try ScenarioLoader.load(text: text, file: "fuzz.yaml", directory: directory)
        } catch let error as ScenarioError {
            checkError(error, &problems)
        } catch {
            problems.append("load threw a raw \(type(of: error)): \(error)")
        }
        return problems
    }

    /// A wg-quick file: parses, or a `ScenarioError` with the file and a line inside it.
    static func wgQuick(_ data: [UInt8]) -> [String] {
        guard let text = utf8Text(data) else { return [] }
        var problems: [String] = []
        do {
            _ = try WgQuickConfig.parse(text, file: "fuzz.conf", nodeNames: nodeNames)
        } catch let error as ScenarioError {
            checkError(error, &problems)
            let lines = text.utf8.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).count   // bytes: "\r\n" is one Character
            if let line = error.line, line < 1 || line > lines { problems.append("error names line \(line) of \(lines)") }
        } catch {
            problems.append("wg-quick parse threw a raw \(type(of: error)): \(error)")
        }
        return problems
    }

    /// Each line an event's `run:` command (`wg …`, `ip …`) and an `ip route` of `routes:`;
    /// shell-word splitting round-trips through quoting.
    static func commandLines(_ data: [UInt8]) -> [String] {
        var problems: [String] = []
        let location = SourceLocation(file: "fuzz.yaml", line: 7)
        let parser = CommandLineParser(nodeNames: nodeNames, directory: directory, location: location)
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false) {
            let text = String(line)
            do { _ = try parser.parse(text) } catch let error as ScenarioError {
                checkError(error, &problems)
                if error.line != 7 { problems.append("command error moved to line \(error.line.map(String.init) ?? "none")") }
            } catch {
                problems.append("command parse threw a raw \(type(of: error)): \(error)")
            }
            guard case .success(let words) = ShellWords.split(text) else { continue }
            let quoted = words.map(shellQuoted).joined(separator: " ")
            if case .success(let again) = ShellWords.split(quoted) {
                if again != words { problems.append("shell words \(words) re-read as \(again)") }
            } else {
                problems.append("quoted words \(quoted.debugDescription) do not split")
            }
            do { _ = try RouteText.parse(words, location: location) } catch is ScenarioError {} catch {
                problems.append("route parse threw a raw \(type(of: error)): \(error)")
            }
        }
        return problems
    }

    /// Durations and RFC 3339 timestamps: what parses is not negative and prints back to the
    /// same value; the printer's output for any count of nanoseconds parses back.
    static func timeTexts(_ data: [UInt8]) -> [String] {
        var problems: [String] = []
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false) {
            let text = String(line)
            if case .success(let ns) = DurationText.parse(text) {
                if ns < 0 { problems.append("duration \(text.debugDescription) is negative") }
                checkDurationRoundTrip(ns, &problems)
            }
            _ = TimestampText.unixNanoseconds(text)
        }
        // The first eight bytes as a count of nanoseconds, for the printer.
        if data.count >= 8 {
            let raw = data.prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            checkDurationRoundTrip(Int64(bitPattern: raw & UInt64(Int64.max)), &problems)
            _ = TimeText.seconds(Int64(bitPattern: raw))
            _ = TimeText.shortest(Int64(bitPattern: raw))
        }
        return problems
    }

    static func checkDurationRoundTrip(_ ns: Int64, _ problems: inout [String]) {
        let printed = TimeText.shortest(ns)
        if case .success(let back) = DurationText.parse(printed), back == ns { return }
        problems.append("duration \(ns) ns prints as \(printed) which does not read back")
    }

    /// Quotes a word so ShellWords reads it back as itself.
    static func shellQuoted(_ word: String) -> String {
        var out = "\""
        for c in word {
            if c == "\"" || c == "\\" { out.append("\\") }
            out.append(c)
        }
        return out + "\""
    }

    /// The text as `TextFile.read` makes it from a file's bytes; nil where the loader would
    /// refuse the file as not UTF-8 (so such bytes never reach the readers).
    static func utf8Text(_ data: [UInt8]) -> String? { String(data: Data(data), encoding: .utf8) }

    static func checkError(_ error: ScenarioError, _ problems: inout [String]) {
        if error.message.isEmpty { problems.append("error without a message") }
        if error.file.isEmpty { problems.append("error without a file: \(error.message)") }
        if let line = error.line, line < 1 { problems.append("error at line \(line)") }
    }
}
