import ArgumentParser
import Sim

/// The `wgsim` command: a deterministic simulator and test harness for WireGuard's
/// cryptokey routing. Each subcommand lives in its own file.
@main
struct WGSim: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "wgsim",
        abstract: "Simulate WireGuard cryptokey routing: scenarios, decision logs, decryptable pcaps.",
        subcommands: [
            RunCommand.self,
            ExplainCommand.self,
            ShowCommand.self,
            TableCommand.self,
            DecodeCommand.self,
            GenKeyCommand.self,
            PubKeyCommand.self,
            GenerateCommand.self,
            LintCommand.self,
            CalcCommand.self,
            ReachCommand.self,
            DrawCommand.self,
        ]
    )

    /// ArgumentParser's own entry point, except that a usage or validation error (an unknown
    /// option, a missing argument, a value that does not parse) exits 2 like every other bad
    /// input instead of 64. `--help` and `--version` still exit 0.
    static func main() {
        MallocSettings.fixMmapThreshold()
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            if exitCode(for: error) == .validationFailure {
                FileHandleOutput.standardError(fullMessage(for: error) + "\n")
                exit(withError: badInputExit)
            }
            exit(withError: error)
        }
    }
}

/// Exit status for bad input (unreadable file, malformed line, unknown key), as the scenario
/// contract asks: 0 all good, 1 an expectation or golden comparison failed, 2 bad input.
let badInputExit = ExitCode(2)
