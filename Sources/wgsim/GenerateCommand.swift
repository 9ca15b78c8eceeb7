import ArgumentParser

/// `wgsim generate` — being built under issue 5; until then it says so and exits 2.
struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "generate", abstract: "(being built: issue 5)")
    func run() throws {
        FileHandleOutput.standardError("wgsim generate: not built yet (issue 5)\n")
        throw badInputExit
    }
}
