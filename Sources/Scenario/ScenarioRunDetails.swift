import Sim

extension ScenarioRun {
    /// Lets go of the scenario's per-node WireGuard configuration (addresses, peers and their
    /// allowed IPs, with the lines they were read from) once the network is built from it and
    /// nothing left to do reads it: the simulation holds the running state, and the copy here
    /// is what a generated hub pays most for per peer after its devices (about 0.5 KB a client
    /// node and its hub peer, the hub's peer list included).
    ///
    /// Call it after the set-up's moves were reported (`reportMoves(from: 0, …)`), the load
    /// warnings read (`scenario.loadWarnings`) and any report collector attached
    /// (`makeSnapshotCollector`): each of them reads the configuration. Nodes a `wg set` event
    /// changes keep theirs, because a move that event makes is reported with the line of the
    /// claim it undid (`MoveLocator`). Every node keeps its name, underlay address, location
    /// and whether it has a wg0. The memory is freed only if this run holds the last copy of
    /// the scenario (the caller handed it over with `consume`).
    public func releaseNodeDetails() {
        var changed = Set<String>()
        for event in scenario.events {
            if case .wgSet(let node, _, _, _, _, _, _) = event.action { changed.insert(node) }
        }
        for i in scenario.nodes.indices where scenario.nodes[i].wireguard != nil && !changed.contains(scenario.nodes[i].name) {
            scenario.nodes[i].wireguard = WireGuardInterface()
            scenario.nodes[i].routes = []
            scenario.nodes[i].routeLocations = []
        }
    }
}
