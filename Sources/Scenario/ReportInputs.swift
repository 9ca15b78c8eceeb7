import Report
import Sim

extension ScenarioRun {
    /// A collector for the run's static pictures (topology, peer tables, ownership timeline),
    /// reading the tables at set-up now: make it before the run starts and hand it every
    /// decision (`onDecision`), then ask it for the snapshot at the end.
    /// `releasingNodes`: let go of the scenario's node list once taken (`releaseNodeList()`), for
    /// a caller that would release it next (`releaseSetUpState()`).
    public func makeSnapshotCollector(releasingNodes: Bool = false) -> RunSnapshotCollector {
        let nodes = scenario.nodes.map(\.topologySpec)
        if releasingNodes { releaseNodeList() }
        return RunSnapshotCollector(name: scenario.name, simulation: simulation, nodes: nodes, links: scenario.links.map(\.spec))
    }

    /// Runs the whole scenario with a collector watching (the decisions still go to any
    /// `onDecision` set before) and returns what it collected.
    public func runCollectingSnapshot() -> RunSnapshot {
        let collector = makeSnapshotCollector()
        let earlier = onDecision
        onDecision = { record in
            collector.observe(record)
            earlier?(record)
        }
        run()
        return collector.snapshot(end: simulation.now)
    }
}

/// A picture written to a file the way every other output is: in full beside it, then renamed
/// over it, so that a failure leaves the old file as it was.
public enum PictureFile {
    public static func write(_ text: String, to path: String) throws {
        let replacement = try FileReplacement(target: path)
        let file = try BufferedTextFile(path: replacement.temporaryPath, reportedPath: path)
        do {
            try file.write(text)
            try file.close()
        } catch {
            replacement.discard()
            throw error
        }
        try replacement.commit()
    }
}

extension ScenarioNode {
    /// The node as the report's collector reads it: name, underlay and wg0 with its addresses.
    /// The peers are left out (the collector reads the tables from the simulation), so that a
    /// hub's node list is not copied peer by peer just to be drawn.
    var topologySpec: NodeSpec {
        NodeSpec(name: name, underlay: underlay, wireguard: wireguard.map {
            InterfaceSpec(privateKey: $0.privateKey, listenPort: $0.listenPort, addresses: $0.addresses, mtu: $0.mtu,
                          peers: [], table: $0.table, fwmark: $0.fwmark)
        }, routes: routes, forwarding: forwarding)
    }
}
