import ArgumentParser

/// `wgsim show` — being built under issue 5; until then it says so and exits 2.
struct ShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "(being built: issue 5)")
    func run() throws {
        FileHandleOutput.standardError("wgsim show: not built yet (issue 5)\n")
        throw badInputExit
    }
}
