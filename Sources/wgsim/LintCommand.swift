import ArgumentParser
import Scenario
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `wgsim lint`: checks wg-quick files (a folder of them, or several, as one network; `-` for one
/// on standard input) and scenarios for the mistakes real users make (docs/lint.md). Exit 0 when
/// nothing is an error (with `--strict`, nothing is a warning either), 1 when something is, 2
/// when a file cannot be opened or read.
struct LintCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lint",
        abstract: "Check wg-quick files, folders of them (as one network) or scenarios for common mistakes.",
        discussion: "Each finding: FILE:LINE: severity: rule: message (fix: …). `-` reads one wg-quick file on standard input "
            + "(e.g. `wg showconf wg0 | wgsim lint -`). Rules are listed in docs/lint.md.")

    enum Format: String, ExpressibleByArgument, CaseIterable { case text, json, sarif }

    @Argument(help: "wg-quick .conf files, folders of them, scenario .yaml files, or - for standard input.")
    var inputs: [String]

    @Flag(name: .long, help: "JSON lines on standard output, one finding each (the same as --format json).")
    var json = false

    @Option(name: .long, help: "Output format: text, json (one object a line) or sarif (SARIF 2.1.0).")
    var format: Format = .text

    @Flag(name: .long, help: "Also exit 1 when there are warnings.")
    var strict = false

    @Option(name: .long, help: "Rules to leave out, separated by commas (e.g. local-lan,dns).")
    var disable: [String] = []

    func validate() throws {
        guard !inputs.isEmpty else { throw ValidationError("give wg-quick files, folders, scenarios, or - for standard input") }
        guard inputs.filter({ $0 == "-" }).count <= 1 else { throw ValidationError("standard input (-) can be read once") }
        for name in disabledRules where LintRule.named(name) == nil {
            throw ValidationError("--disable: no rule named '\(name)'; rules: " + LintRule.all.map(\.id).joined(separator: ", "))
        }
    }

    var disabledRules: [String] { disable.flatMap { $0.split(separator: ",").map(String.init) }.filter { !$0.isEmpty } }

    func run() throws {
        let report = Lint.run(inputs, disabled: Set(disabledRules), readStandardInput: Self.readStandardInput)
        switch json ? .json : format {
        case .text: FileHandleOutput.standardOutput(LintOutput.text(report.findings))
        case .json: FileHandleOutput.standardOutput(LintOutput.jsonLines(report.findings))
        case .sarif: FileHandleOutput.standardOutput(LintOutput.sarif(report.findings))
        }
        for note in report.notes { FileHandleOutput.standardError("wgsim lint: note: \(note)\n") }
        for problem in report.unreadable { FileHandleOutput.standardError("wgsim lint: \(problem)\n") }
        let (errors, warnings, infos) = (report.count(.error), report.count(.warning), report.count(.info))
        FileHandleOutput.standardError("wgsim lint: \(report.fileCount) file\(report.fileCount == 1 ? "" : "s"): "
            + "\(errors) error\(errors == 1 ? "" : "s"), \(warnings) warning\(warnings == 1 ? "" : "s"), \(infos) info\n")
        if !report.unreadable.isEmpty { throw badInputExit }
        if errors > 0 || (strict && warnings > 0) { throw ExitCode(1) }
    }

    /// Standard input to its end, at most as much as a file may hold.
    static func readStandardInput() -> [UInt8] {
        var bytes = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while bytes.count < 512 << 20 {
            let n = fread(&buffer, 1, buffer.count, stdin)
            if n <= 0 { break }
            bytes.append(contentsOf: buffer[0..<n])
        }
        return bytes
    }
}
