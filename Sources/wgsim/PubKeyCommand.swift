import ArgumentParser

/// `wgsim pubkey` — being built under issue 4; until then it says so and exits 2.
struct PubKeyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "pubkey", abstract: "(being built: issue 4)")
    func run() throws {
        FileHandleOutput.standardError("wgsim pubkey: not built yet (issue 4)\n")
        throw badInputExit
    }
}
