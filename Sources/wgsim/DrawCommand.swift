import ArgumentParser
import Report
import Routing
import Scenario

/// `wgsim draw PICTURE SCENARIO [--node N] [--at T] [--format svg|txt] [-o FILE]`: runs the
/// scenario and prints one of its report's pictures: a node's peer table (prefix tree and
/// address bars), the ownership timeline, the topology, or the ladder of every decision.
struct DrawCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "draw",
        abstract: "Draw one picture of a scenario's run: a peer table, the ownership timeline, the topology or the ladder.",
        discussion: """
            table: NODE's allowed-IPs table (--node is required) at --at (default: the end of the run), \
            as a prefix tree and address-range bars. timeline: each prefix's owner over time (--node: \
            only that node's rows). topology: nodes, underlay links, tunnels labelled with each side's \
            allowed IPs, and drops (--at: the tunnels at that moment). ladder: a lifeline per node and an arrow \
            per decision, each naming its decisions.txt line and its pcap frame (no --node or --at). SVG for slides and documents, \
            txt for a terminal.
            """)

    enum Picture: String, ExpressibleByArgument, CaseIterable { case table, timeline, topology, ladder }
    enum Format: String, ExpressibleByArgument, CaseIterable { case svg, txt }

    @Argument(help: "The picture: table, timeline, topology or ladder.") var picture: Picture
    @Argument(help: "The scenario file (YAML).") var scenario: String
    @Option(help: "The node whose table to draw (required for table; limits the timeline's rows).") var node: String?
    @Option(help: "Simulated time, e.g. 5s (default: the end of the run). Not for timeline.") var at: String?
    @Option(help: "svg (default) or txt.") var format: Format = .svg
    @Option(name: [.customShort("o"), .long], help: "Write the picture to this file (written aside, then renamed) instead of standard output.")
    var output: String?
    @Option(help: "Override the scenario's seed.") var seed: UInt64?

    func run() throws {
        let text: String
        do {
            text = try draw()
        } catch let e as ScenarioError {
            FileHandleOutput.standardError("wgsim draw: \(e)\n")
            throw badInputExit
        }
        guard let output else {
            FileHandleOutput.standardOutput(text)
            return
        }
        do {
            try PictureFile.write(text, to: output)
        } catch let error as FileWriteError {
            FileHandleOutput.standardError("wgsim draw: cannot write \(error)\n")
            throw badInputExit
        }
    }

    /// Loads and checks the arguments against the scenario, runs it and draws.
    private func draw() throws -> String {
        let loaded = try NetworkAssembly.isNetwork([scenario]) ? NetworkAssembly.load([scenario]) : ScenarioLoader.load(path: scenario)
        if let node {
            guard let found = loaded.node(named: node) else {
                throw ScenarioError(file: scenario, line: nil, "--node: no node named '\(node)'; nodes: \(loaded.nodes.map(\.name).joined(separator: ", "))")
            }
            if picture == .table && found.wireguard == nil {
                let withTables = loaded.nodes.filter { $0.wireguard != nil }.map(\.name)
                throw ScenarioError(file: scenario, line: nil, "--node: '\(node)' has no wg0, so no peer table; nodes with one: \(withTables.joined(separator: ", "))")
            }
        } else if picture == .table {
            let withTables = loaded.nodes.filter { $0.wireguard != nil }.map(\.name)
            throw ScenarioError(file: scenario, line: nil, "draw table needs --node NODE, one of: \(withTables.joined(separator: ", "))")
        }
        if picture == .timeline, at != nil {
            throw ScenarioError(file: scenario, line: nil, "--at does not apply to the timeline, which covers the whole run")
        }
        if picture == .ladder, node != nil || at != nil {
            throw ScenarioError(file: scenario, line: nil, "--node and --at do not apply to the ladder, which draws every node's decisions over the whole run")
        }
        let time = try at.map { try loaded.commandLineTime($0, option: "--at") }
        /// The static pictures' material, from a run with the snapshot collector watching.
        func collectSnapshot() throws -> RunSnapshot { try ScenarioRun(loaded, seed: seed, keepDecisions: false).runCollectingSnapshot() }
        switch picture {
        case .table:
            let snapshot = try collectSnapshot()
            let colours = OwnershipColours(snapshot)
            guard let node, let table = snapshot.table(of: node, at: time ?? snapshot.end) else {
                throw ScenarioError(file: scenario, line: nil, "--node \(node ?? ""): no table at that moment")
            }
            return format == .svg ? PeerTablePicture.svg(table, colours: colours) : PeerTablePicture.text(table, colours: colours)
        case .timeline:
            let snapshot = try collectSnapshot()
            return format == .svg ? OwnershipTimeline.svg(snapshot, node: node, standalone: true) : OwnershipTimeline.text(snapshot, node: node)
        case .topology:
            let snapshot = try collectSnapshot()
            return format == .svg ? TopologyPicture.svg(snapshot, at: time, standalone: true) : TopologyPicture.text(snapshot, at: time)
        case .ladder:
            // Every decision of the run, as report.html's ladder draws it (Report/LadderPicture.swift).
            let recorded = try ReportRun.record(loaded, seed: seed)
            let order = loaded.nodes.map(\.name)
            return format == .svg ? LadderPicture.svg(recorded.recording, order: order, standalone: true)
                                  : LadderPicture.text(recorded.recording, order: order)
        }
    }
}
