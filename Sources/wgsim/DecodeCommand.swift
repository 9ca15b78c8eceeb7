import ArgumentParser

/// `wgsim decode` — being built under issue 4; until then it says so and exits 2.
struct DecodeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "decode", abstract: "(being built: issue 4)")
    func run() throws {
        FileHandleOutput.standardError("wgsim decode: not built yet (issue 4)\n")
        throw badInputExit
    }
}
