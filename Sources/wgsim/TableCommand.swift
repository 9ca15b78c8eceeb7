import ArgumentParser

/// `wgsim table` — being built under issue 2; until then it says so and exits 2.
struct TableCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "table", abstract: "(being built: issue 2)")
    func run() throws {
        FileHandleOutput.standardError("wgsim table: not built yet (issue 2)\n")
        throw badInputExit
    }
}
