import ArgumentParser
import Foundation
import Scenario

/// `wgsim generate hub --peers N --out FILE [--packets M]`: writes the benchmark hub scenario
/// (docs/benchmarks.md, "Full pipeline") and, with packets, its IMIX trace beside it.
/// `wgsim generate hubs --hubs H --peers N --out FILE [--packets M]`: H meshed hubs with N
/// clients each and pings between clients of different hubs (docs/mpi.md).
struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Generate a scenario: `hub` = a hub with N peers whose LANs overlap, and an IMIX trace; `hubs` = H meshed hubs with N clients each.")

    @Argument(help: "What to generate: hub or hubs.") var kind: String
    @Option(help: "Number of peers (hub: 1 to 1,000,000; hubs: clients per hub, 1 to 65,000).") var peers: Int
    @Option(help: "hubs: number of hubs (2 to 256).") var hubs: Int?
    @Option(help: "The scenario file to write; the trace goes beside it as NAME-trace.pcap.") var out: String
    @Option(help: "Packets in the trace (0: no trace).") var packets: Int = 1000
    @Option(help: "Seed of the trace's random destinations and sizes.") var seed: UInt64 = 1

    func run() throws {
        if kind == "hubs" { return try generateHubs() }
        guard kind == "hub" else {
            FileHandleOutput.standardError("wgsim generate: unknown kind '\(kind)' (known: hub, hubs)\n")
            throw badInputExit
        }
        if hubs != nil {
            FileHandleOutput.standardError("wgsim generate: --hubs is for `generate hubs`\n")
            throw badInputExit
        }
        guard (1...1_000_000).contains(peers), (0...100_000_000).contains(packets) else {
            FileHandleOutput.standardError("wgsim generate: --peers must be 1 to 1000000 and --packets 0 to 100000000\n")
            throw badInputExit
        }
        let base = (out as NSString).lastPathComponent
        let stem = base.hasSuffix(".yaml") ? String(base.dropLast(5)) : base
        let traceName = packets > 0 ? stem + "-trace.pcap" : nil
        let folder = (out as NSString).deletingLastPathComponent
        let tracePath = traceName.map { folder.isEmpty ? $0 : folder + "/" + $0 }
        try writing {
            try HubGenerator.write(scenarioPath: out, tracePath: tracePath, traceName: traceName,
                                   peers: peers, packets: packets, seed: seed)
        }
        FileHandleOutput.standardOutput("wrote \(out)" + (traceName.map { " and \($0) (\(packets) packets)" } ?? "") + "\n")
    }

    /// Runs a generator's write; a file that cannot be written is reported in words, exit 2.
    private func writing(_ write: () throws -> Void) throws {
        do {
            try write()
        } catch let error as FileWriteError {
            FileHandleOutput.standardError("wgsim generate: cannot write \(error)\n")
            throw badInputExit
        } catch {
            FileHandleOutput.standardError("wgsim generate: cannot write \(out): \(error)\n")
            throw badInputExit
        }
    }

    /// `generate hubs`: the multi-hub world, pings instead of a trace.
    private func generateHubs() throws {
        guard let hubs, HubsGenerator.hubRange.contains(hubs) else {
            FileHandleOutput.standardError("wgsim generate hubs: --hubs must be given, 2 to 256\n")
            throw badInputExit
        }
        guard HubsGenerator.peerRange.contains(peers), (0...10_000_000).contains(packets) else {
            FileHandleOutput.standardError("wgsim generate hubs: --peers must be 1 to 65000 and --packets 0 to 10000000\n")
            throw badInputExit
        }
        try writing { try HubsGenerator.write(path: out, hubs: hubs, peers: peers, packets: packets, seed: seed) }
        FileHandleOutput.standardOutput("wrote \(out) (\(hubs) hubs × \(peers) clients, \(packets) pings)\n")
    }
}
