import ArgumentParser
import Routing

/// `wgsim calc LIST - LIST …` — prefix-set arithmetic for AllowedIPs: prints the smallest list
/// of prefixes covering the result, as an `AllowedIPs =` line takes it, and nothing else on
/// standard output (an empty result prints nothing). Warnings go to standard error; bad input
/// exits 2.
struct CalcCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "calc",
        abstract: "Work out AllowedIPs: LIST - LIST (+ LIST …) as the smallest list of prefixes.",
        discussion: """
            Each LIST is comma-separated prefixes (a bare address is a /32 or /128; host bits are
            ignored with a warning, as wg does). Operations run left to right. Example:
              wgsim calc 0.0.0.0/0,::/0 - 192.168.1.0/24,10.0.0.5/32
            prints every IPv4 and IPv6 address except those two, IPv4 first, ", "-separated.
            """)

    @Argument(parsing: .captureForPassthrough, help: "LIST [- LIST | + LIST]…")
    var expression: [String] = []

    func run() throws {
        let result: (set: PrefixSet, warnings: [String])
        do { result = try PrefixSet.evaluating(expression) } catch let error as PrefixSet.ExpressionError {
            FileHandleOutput.standardError("wgsim calc: \(error.message)\n")
            throw badInputExit
        }
        for warning in result.warnings { FileHandleOutput.standardError("wgsim calc: Warning: \(warning)\n") }
        if !result.set.isEmpty { FileHandleOutput.standardOutput("\(result.set)\n") }
    }
}
