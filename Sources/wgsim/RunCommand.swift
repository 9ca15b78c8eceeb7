import ArgumentParser

/// `wgsim run` — being built under issue 5; until then it says so and exits 2.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "run", abstract: "(being built: issue 5)")
    func run() throws {
        FileHandleOutput.standardError("wgsim run: not built yet (issue 5)\n")
        throw badInputExit
    }
}
