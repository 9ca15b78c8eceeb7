import Sim

extension ScenarioRun {
    /// Lets go of the scenario's per-node WireGuard peers (with their allowed IPs and the lines
    /// they were read from) and routes once the network is built from them and nothing left to
    /// do reads them: the simulation holds the running state, and the copy here is what a
    /// generated hub pays most for per peer after its devices (about 0.4 KB a client node and
    /// its hub peer, the hub's peer list included).
    ///
    /// Call it after the set-up's moves were reported (`reportMoves(from: 0, …)`) and the load
    /// warnings read (`scenario.loadWarnings`): both read the peers. Nodes a `wg set` event
    /// changes keep theirs, because a move that event makes is reported with the line of the
    /// claim it undid (`MoveLocator`). Every node keeps its name, underlay address, location
    /// and wg0 (keys, port, MTU, addresses: what the report's collector reads,
    /// `makeSnapshotCollector`, which may therefore come after). The memory is freed only if
    /// this run holds the last copy of the scenario (the caller handed it over with `consume`).
    public func releaseNodeDetails() {
        var changed = Set<String>()
        for event in scenario.events {
            if case .wgSet(let node, _, _, _, _, _, _) = event.action { changed.insert(node) }
        }
        for i in scenario.nodes.indices where scenario.nodes[i].wireguard != nil && !changed.contains(scenario.nodes[i].name) {
            scenario.nodes[i].wireguard?.peers = []
            scenario.nodes[i].wireguard?.notes = []
            scenario.nodes[i].routes = []
            scenario.nodes[i].routeLocations = []
        }
    }
}
