import ArgumentParser

/// `wgsim explain` — being built under issue 5; until then it says so and exits 2.
struct ExplainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "explain", abstract: "(being built: issue 5)")
    func run() throws {
        FileHandleOutput.standardError("wgsim explain: not built yet (issue 5)\n")
        throw badInputExit
    }
}
