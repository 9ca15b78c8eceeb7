import ArgumentParser

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
        ]
    )
}

/// Exit status for bad input (unreadable file, malformed line, unknown key), as the scenario
/// contract asks: 0 all good, 1 an expectation or golden comparison failed, 2 bad input.
let badInputExit = ExitCode(2)
