import Routing
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
        let changed = Self.nodesChangedByEvents(scenario)
        for i in scenario.nodes.indices where scenario.nodes[i].wireguard != nil && !changed.contains(scenario.nodes[i].name) {
            scenario.nodes[i].wireguard?.peers = []
            scenario.nodes[i].wireguard?.notes = []
            scenario.nodes[i].routes = []
            scenario.nodes[i].routeLocations = []
        }
    }
}

extension ScenarioRun {
    /// Lets go of what only the set-up read, once nothing left in a one-process run reads it: call
    /// it after `releaseNodeDetails()`, after the set-up's moves were reported
    /// (`reportMoves(from: 0, …)`) and after the report's collector was attached (it reads the
    /// nodes' names, underlay and wg0 addresses and the set-up's moves, `makeSnapshotCollector`).
    ///
    /// - The simulation's record of the moves made so far (`Simulation.releaseMoves()`; later
    ///   moves keep their positions, so `reportMoves(from:)` goes on where it was).
    /// - The scenario's node list itself: the summary, the expectations and the report page read
    ///   the scenario's other parts, and the simulation has the nodes. Kept when an event runs
    ///   `wg set`: a move it makes is reported with the lines of the claims (`MoveLocator`).
    ///
    /// About 176 + 72 bytes a client of a generated hub; a split run, whose shares read the nodes
    /// at the end, does not call this.
    public func releaseSetUpState() {
        simulation.releaseMoves()
        setUpClaims = [:]
        releaseNodeList()
    }

    /// The node list part of `releaseSetUpState()`, on its own for the report's collector to
    /// call as soon as it has taken the nodes it reads (`makeSnapshotCollector(releasingNodes:)`):
    /// the list (176 bytes a node) is then not held while the collector reads the tables (one
    /// of the highest points of a generated hub's run, BENCHMARKS.md "Session 8").
    func releaseNodeList() {
        guard Self.nodesChangedByEvents(scenario).isEmpty else { return }
        scenario.nodes = []
    }
}

extension ScenarioRun {
    /// The nodes a `wg set` event changes: they keep their configured peers to the end, since a
    /// move such an event makes is reported with the line of the claim it undid.
    static func nodesChangedByEvents(_ scenario: Scenario) -> Set<String> {
        var changed = Set<String>()
        for event in scenario.events {
            if case .wgSet(let node, _, _, _, _, _, _) = event.action { changed.insert(node) }
        }
        return changed
    }
}

/// A scenario's nodes while a run is built from them: the simulation takes each node's peers
/// when it brings that node up (`peerSpecs(of:)`), and a node whose peers nothing will read
/// again lets go of them then, so a generated hub's million client peer lists are never all
/// held next to the network built from them (about 0.3 KB a client at the set-up peak).
///
/// What is kept is what `releaseNodeDetails()` keeps until it runs: the peers of nodes a `wg
/// set` event changes and of nodes whose peers carry a load warning (`Scenario.loadWarnings` is
/// read after the build). A node with two or more peers can have entries move between them at
/// set-up, and a move is reported with the lines of both claims (`MoveLocator`): such a node
/// leaves the lines of its peers' claims behind (`SetUpClaims`, 4 bytes a peer where the peer
/// list takes about 200), which the run keeps until the set-up's moves have been reported.
final class NodePeerFeed {
    private var nodes: [ScenarioNode]
    /// Nodes whose peers must stay; nil: every node keeps its peers.
    private let keep: Set<String>?

    /// Takes `nodes` (leaving it empty) until `handBack(to:)`; `releasing` names the nodes whose
    /// peers must stay whatever else holds, nil to release none.
    init(taking nodes: inout [ScenarioNode], releasing keep: Set<String>?) {
        self.nodes = []
        swap(&self.nodes, &nodes)
        self.keep = keep
    }

    func handBack(to nodes: inout [ScenarioNode]) {
        swap(&self.nodes, &nodes)
    }

    /// The nodes as the simulator takes them, every wg0 without its peers (`peerSpecs(of:)`
    /// supplies those).
    func specsWithoutPeers() -> [NodeSpec] {
        // Each node read in place (`ScenarioNode.spec(of:withPeers:)`), not copied.
        nodes.withUnsafeBufferPointer { nodes in
            var specs: [NodeSpec] = []
            specs.reserveCapacity(nodes.count)
            for i in nodes.indices { specs.append(ScenarioNode.spec(of: nodes.baseAddress! + i, withPeers: false)) }
            return specs
        }
    }

    /// Node `index`'s peers as the simulator takes them; its own copy goes if nothing reads it later.
    func peerSpecs(of index: Int) -> [PeerSpec] {
        // Read in place, as in `specsWithoutPeers`: `nodes[index].wireguard?.peers` copied the node.
        guard let peers = nodes.withUnsafeBufferPointer({ ($0.baseAddress! + index).pointee.wireguard?.peers }) else { return [] }
        let specs = peers.map(\.spec)
        // `keep` is most often empty: no name hashed then (a million of them for a hub's clients).
        if let keep, keep.isEmpty || !keep.contains(nodes.withUnsafeBufferPointer { ($0.baseAddress! + index).pointee.name }),
           peers.allSatisfy({ $0.warnings.isEmpty }) {   // a closure: the key path was not inlined (a million peer copies for a hub)
            if peers.count > 1 { claims[nodes[index].name] = SetUpClaims(peers, of: nodes[index]) }
            nodes[index].wireguard?.peers = []
        }
        return specs
    }

    /// The claim lines of the nodes whose peers went (those with two or more), by node name.
    private(set) var claims: [String: SetUpClaims] = [:]
}

/// Where a node's configured peers claimed their allowed IPs, kept in place of the peers once the
/// simulation has taken them (`NodePeerFeed`): a move made at set-up is reported with the line of
/// the claim that took the entry and of the one it undid (`MoveLocator`), and for a generated hub
/// the peer list (its allowed IPs, their lines, endpoints) costs ~200 bytes a peer where a line
/// number costs 4.
struct SetUpClaims {
    private let file: String
    /// By peer position: the peer's own line, which is the line of each of its claims (every
    /// peer not in `whole`).
    private let lines: [Int32]
    /// Peers whose claims are on lines of their own, or in another file: kept as they were.
    private let whole: [Int: WireGuardPeer]

    init(_ peers: [WireGuardPeer], of node: ScenarioNode) {
        file = node.location.file
        var lines: [Int32] = []
        lines.reserveCapacity(peers.count)
        var whole: [Int: WireGuardPeer] = [:]
        for (position, peer) in peers.enumerated() {
            // The loader leaves `allowedIPLocations` empty when every claim is on the peer's line.
            if peer.allowedIPLocations.isEmpty, peer.location.file == file, let line = Int32(exactly: peer.location.line) {
                lines.append(line)
            } else {
                lines.append(0)
                whole[position] = peer
            }
        }
        self.lines = lines
        self.whole = whole
    }

    /// The line of peer `position`'s claim of `prefix` (as `MoveLocator.claim(of:in:)` finds it
    /// in the peer itself), nil for a position the node never had.
    func claim(of prefix: IPPrefix, peer position: Int) -> SourceLocation? {
        guard lines.indices.contains(position) else { return nil }
        if let peer = whole[position] { return MoveLocator.claim(of: prefix, in: peer) }
        return SourceLocation(file: file, line: Int(lines[position]))
    }
}
