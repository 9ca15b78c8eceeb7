import Foundation
import WireGuard

/// `wgsim lint`: reads wg-quick files, folders of them, or scenarios, and reports what real users
/// get wrong in them (docs/lint.md lists every rule). Reading is tolerant: a line the strict
/// reader refuses is a finding, never the end of the check. Only a file that cannot be opened or
/// read at all stops its own check (`unreadable`).
public enum Lint {
    /// What one `wgsim lint` run found.
    public struct Report {
        /// In input order, then by line.
        public var findings: [LintFinding] = []
        /// Files that could not be read, as messages (`FILE: cannot read this file: …`).
        public var unreadable: [String] = []
        /// Lines for standard error (e.g. a network that could not be simulated).
        public var notes: [String] = []
        /// How many files were checked.
        public var fileCount = 0

        public func count(_ severity: LintSeverity) -> Int { findings.filter { $0.severity == severity }.count }
    }

    /// The name standard input has in findings.
    public static let standardInputName = "<stdin>"

    /// Lints `inputs`: `.conf` files (together one network when there are several), folders (each
    /// one network of its `.conf` files), scenario files (`.yaml`, `.yml`: checked by the scenario
    /// loader), or `-` for one wg-quick file on standard input (read by `readStandardInput`).
    /// Findings of `disabled` rules are left out.
    public static func run(_ inputs: [String], disabled: Set<String> = [], readStandardInput: () -> [UInt8] = { [] }) -> Report {
        var report = Report()
        var looseFiles: [(path: String, text: String)] = []
        for input in inputs {
            if input == "-" {
                report.fileCount += 1
                let text = decode(readStandardInput(), file: standardInputName, into: &report)
                report.findings += lintFiles([(standardInputName, text)], network: false, name: "stdin", origin: standardInputName)
            } else if NetworkAssembly.isFolder(input) {
                let paths: [String]
                do { paths = try NetworkAssembly.confFiles(in: input) } catch {
                    report.unreadable.append("\(error)")
                    continue
                }
                var files: [(path: String, text: String)] = []
                for path in paths {
                    report.fileCount += 1
                    if let text = read(path, into: &report) { files.append((path, text)) }
                }
                let name = URL(fileURLWithPath: input).standardizedFileURL.lastPathComponent
                report.findings += lintFiles(files, network: files.count > 1, name: name, origin: input, notes: &report.notes)
            } else if input.hasSuffix(".yaml") || input.hasSuffix(".yml") {
                report.fileCount += 1
                guard read(input, into: &report) != nil else { continue }
                do { _ = try ScenarioLoader.load(path: input) } catch let error as ScenarioError {
                    report.findings.append(LintFinding(.structure, at: SourceLocation(file: error.file, line: error.line ?? 1), error.message,
                                                       fix: "correct the scenario as the message says (docs/scenario-reference.md)"))
                } catch {
                    report.findings.append(LintFinding(.structure, at: SourceLocation(file: input, line: 1), "\(error)", fix: "correct the scenario"))
                }
            } else {
                report.fileCount += 1
                if let text = read(input, into: &report) { looseFiles.append((input, text)) }
            }
        }
        if !looseFiles.isEmpty {
            let name = NetworkAssembly.stem(of: looseFiles[0].path)
            report.findings += lintFiles(looseFiles, network: looseFiles.count > 1, name: name.isEmpty ? "lint" : name,
                                         origin: looseFiles[0].path, notes: &report.notes)
        }
        report.findings.removeAll { disabled.contains($0.rule) }
        return report
    }

    private static func lintFiles(_ files: [(path: String, text: String)], network: Bool, name: String, origin: String) -> [LintFinding] {
        var notes: [String] = []
        return lintFiles(files, network: network, name: name, origin: origin, notes: &notes)
    }

    /// The findings of `files`, each file's own first, then the network's; sorted by file (in
    /// the order given), line, severity and rule, so the same files give the same output.
    static func lintFiles(_ files: [(path: String, text: String)], network: Bool, name: String, origin: String,
                          notes: inout [String]) -> [LintFinding] {
        let configs = files.map { LintConfig(text: $0.text, file: $0.path) }
        var findings = configs.flatMap(LintFileRules.check)
        if network {
            let (networkFindings, networkNotes) = LintNetworkRules.check(configs, name: name, origin: origin)
            notes += networkNotes
            // Two sites' overlapping networks are one finding, not a shadowed prefix as well.
            let overlaps = Set(networkFindings.filter { $0.rule == LintRule.overlappingLANs.id }.map(\.location))
            findings.removeAll { $0.rule == LintRule.shadowedPrefix.id && overlaps.contains($0.location) }
            findings += networkFindings
        }
        var seen = Set<String>()
        findings = findings.filter { seen.insert("\($0.rule)|\($0.location)|\($0.message)").inserted }
        let order = Dictionary(files.enumerated().map { ($1.path, $0) }, uniquingKeysWith: { a, _ in a })
        return findings.enumerated().sorted { x, y in
            let (a, b) = (x.element, y.element)
            let fa = order[a.location.file] ?? Int.max, fb = order[b.location.file] ?? Int.max
            if fa != fb { return fa < fb }
            if a.location.line != b.location.line { return a.location.line < b.location.line }
            if a.severity != b.severity { return a.severity < b.severity }
            if a.rule != b.rule { return a.rule < b.rule }
            return x.offset < y.offset
        }.map(\.element)
    }

    /// The file's text, or nil (with the reason in `unreadable`) when it cannot be opened or read.
    private static func read(_ path: String, into report: inout Report) -> String? {
        switch TextFile.readBytes(path) {
        case .failure(let problem):
            report.unreadable.append("\(path): cannot read this file: \(problem.reason)")
            return nil
        case .success(let bytes):
            return decode(bytes, file: path, into: &report)
        }
    }

    /// Bytes that are not UTF-8 are a `structure` finding; the text is then read with the bad
    /// bytes replaced, so the rest of the file is still checked.
    private static func decode(_ bytes: [UInt8], file: String, into report: inout Report) -> String {
        do { return try TextFile.decode(bytes, file: file) } catch let error as ScenarioError {
            report.findings.append(LintFinding(.structure, at: SourceLocation(file: file, line: error.line ?? 1), error.message,
                                               fix: "save the file as UTF-8 text"))
        } catch {}
        return String(decoding: bytes, as: UTF8.self)
    }
}
