import ArgumentParser

/// `wgsim genkey` — being built under issue 4; until then it says so and exits 2.
struct GenKeyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "genkey", abstract: "(being built: issue 4)")
    func run() throws {
        FileHandleOutput.standardError("wgsim genkey: not built yet (issue 4)\n")
        throw badInputExit
    }
}
