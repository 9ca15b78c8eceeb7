import Routing
import Sim
import WireGuard

/// An allowed-IPs entry that changed owner while a scenario was set up or run, with the lines of
/// both claims: the one that took it (`claim`) and the earlier one it undid (`previousClaim`).
public struct ScenarioMove {
    public let record: AllowedIPsMoveRecord
    /// The peers it moved from and to, named as the decision log names them.
    public let from: String
    public let to: String
    public let claim: SourceLocation
    /// nil when no claim of the entry by `from` could be found in the scenario (left out of
    /// the words rather than guessed).
    public let previousClaim: SourceLocation?
    /// The scenario file: lines in it are named by number alone in `history`.
    public let scenarioFile: String

    /// `192.168.32.19/32 moves from ABCD (claimed at line 24) to EFGH on node server; ABCD is
    /// left with no allowed IPs`, at the line of the claim that moved it; a move made by a
    /// `wg set` event also gives its time.
    public var warning: ScenarioWarning {
        var text = "\(record.prefix) moves from \(from)"
        if let previousClaim { text += " (claimed at \(Self.place(previousClaim, from: claim)))" }
        text += " to \(to) on node \(record.node)"
        if case .wgSet = record.cause { text += " at \(TimeText.shortest(record.t))" }
        if record.fromLeftEmpty { text += "; \(from) is left with no allowed IPs" }
        return ScenarioWarning(claim, text)
    }

    /// `explain`'s account: `claimed by ABCD at line 42, moved to EFGH at line 45 (at 1s)`.
    public var history: String {
        let scenario = SourceLocation(file: scenarioFile, line: 0)
        var text = "claimed by \(from)"
        if let previousClaim { text += " at \(Self.place(previousClaim, from: scenario))" }
        text += ", moved to \(to) at \(Self.place(claim, from: scenario))"
        if case .wgSet = record.cause { text += " (at \(TimeText.shortest(record.t)))" }
        return text
    }

    /// `line 24` when `location` is in the file of `reference`, else `FILE:LINE`.
    static func place(_ location: SourceLocation, from reference: SourceLocation?) -> String {
        location.file == reference?.file ? "line \(location.line)" : "\(location)"
    }
}

/// Finds the scenario lines of the claims behind the simulator's move records. Built once per
/// batch of moves: it indexes the nodes and the `wg set` events (in the order they run: by time,
/// ties in file order, as `Simulation.schedule(inFileOrder:)` runs them).
struct MoveLocator {
    let scenario: Scenario
    let simulation: Simulation
    let nodeByName: [String: Int]
    let nameOfKey: [PublicKey: String]
    /// The `wg set` events in the order they run; a record's `.wgSet(ordinal:)` indexes this.
    let wgSets: [ScenarioEvent]
    /// The claim lines of nodes whose peers the run let go (`ScenarioRun.setUpClaims`).
    let setUpClaims: [String: SetUpClaims]

    init(_ run: ScenarioRun) {
        scenario = run.scenario
        simulation = run.simulation
        setUpClaims = run.setUpClaims
        var nodes: [String: Int] = [:]
        for (i, node) in scenario.nodes.enumerated() { nodes[node.name] = i }
        nodeByName = nodes
        var names: [PublicKey: String] = [:]
        for node in scenario.nodes { if let key = simulation.publicKey(of: node.name) { names[key] = node.name } }
        nameOfKey = names
        wgSets = scenario.events.enumerated().filter { _, event in
            if case .wgSet = event.action { return true }
            return false
        }.sorted { ($0.element.at, $0.offset) < ($1.element.at, $1.offset) }.map(\.element)
    }

    func name(_ key: PublicKey) -> String { nameOfKey[key] ?? key.base64 }

    func key(_ peer: PeerRef) -> PublicKey? {
        switch peer {
        case .key(let key): return key
        case .node(let name): return simulation.publicKey(of: name)
        }
    }

    func locate(_ record: AllowedIPsMoveRecord) -> ScenarioMove {
        let node = nodeByName[record.node].map { scenario.nodes[$0] }
        let peers = node?.wireguard?.peers ?? []
        let claim: SourceLocation
        let previous: SourceLocation?
        switch record.cause {
        case let .setup(position, previousPosition) where peers.isEmpty && setUpClaims[record.node] != nil:
            let claims = setUpClaims[record.node]!
            claim = claims.claim(of: record.prefix, peer: position) ?? node?.location ?? SourceLocation(file: scenario.file, line: 0)
            previous = previousPosition.flatMap { claims.claim(of: record.prefix, peer: $0) }
        case let .setup(position, previousPosition):
            claim = peers.indices.contains(position) ? Self.claim(of: record.prefix, in: peers[position])
                                                     : node?.location ?? SourceLocation(file: scenario.file, line: 0)
            previous = previousPosition.flatMap { peers.indices.contains($0) ? Self.claim(of: record.prefix, in: peers[$0]) : nil }
        case .wgSet(let ordinal):
            claim = wgSets.indices.contains(ordinal) ? wgSets[ordinal].location : SourceLocation(file: scenario.file, line: 0)
            previous = earlierClaim(of: record.prefix, by: record.from, on: record.node, before: ordinal, peers: peers)
        }
        return ScenarioMove(record: record, from: name(record.from), to: name(record.to), claim: claim, previousClaim: previous,
                            scenarioFile: scenario.file)
    }

    /// The line of `peer`'s entry for `prefix` (the first, which is the one that took it), or
    /// the peer's own line.
    static func claim(of prefix: IPPrefix, in peer: WireGuardPeer) -> SourceLocation {
        guard let index = peer.allowedIPs.firstIndex(of: prefix), index < peer.allowedIPLocations.count else { return peer.location }
        return peer.allowedIPLocations[index]
    }

    /// The latest claim of `prefix` for `owner` on `node` before the `ordinal`-th `wg set`: an
    /// earlier `wg set` that added it, else the node's configured peer that listed it.
    func earlierClaim(of prefix: IPPrefix, by owner: PublicKey, on node: String, before ordinal: Int,
                      peers: [WireGuardPeer]) -> SourceLocation? {
        for event in wgSets[..<min(ordinal, wgSets.count)].reversed() {
            guard case let .wgSet(name, peer, update?, _, _, _, _) = event.action, name == node, key(peer) == owner else { continue }
            if update.changes.contains(.add(prefix)) { return event.location }
        }
        for peer in peers.reversed() where key(peer.peer) == owner && peer.allowedIPs.contains(prefix) {
            return Self.claim(of: prefix, in: peer)
        }
        return nil
    }
}

extension ScenarioRun {
    /// The moves made so far (set-up, then the run up to now) from the `first`-th on, with the
    /// lines of both claims (those the simulation still keeps: `releaseSetUpState()`).
    public func moves(from first: Int = 0) -> [ScenarioMove] {
        let records = simulation.allowedIPsMoves
        guard first < records.endIndex else { return [] }
        let locator = MoveLocator(self)
        return records[max(first, records.startIndex)...].map { locator.locate($0) }
    }

    /// The moves made on `node` so far, with the lines of both claims.
    public func moves(on node: String) -> [ScenarioMove] {
        let records = simulation.allowedIPsMoves.filter { $0.node == node }
        guard !records.isEmpty else { return [] }
        let locator = MoveLocator(self)
        return records.map { locator.locate($0) }
    }

    /// Hands `report` the warning of every move from the `first`-th on; only the ones it will
    /// print are worded (a generated hub moves tens of thousands of entries). Returns the
    /// number of moves so far, the `first` of the next call.
    @discardableResult
    public func reportMoves(from first: Int, to report: WarningReport) -> Int {
        let records = simulation.allowedIPsMoves
        guard first < records.endIndex else { return records.endIndex }
        var locator: MoveLocator?
        for record in records[max(first, records.startIndex)...] {
            report.add {
                if locator == nil { locator = MoveLocator(self) }
                return locator!.locate(record).warning
            }
        }
        return records.endIndex
    }
}

/// Prints warnings on standard error as they come: the first `shownInFull` in full, then at
/// `finish` one line counting the rest; quiet, only that count line. `--strict` makes any
/// warning fail the command (exit status 1, for CI).
public final class WarningReport {
    /// How many warnings are printed in full before they are only counted.
    public static let shownInFull = 20

    public private(set) var count = 0
    private let quiet: Bool
    private let write: (String) -> Void

    /// `write` takes one line with its newline.
    public init(quiet: Bool, write: @escaping (String) -> Void) {
        self.quiet = quiet
        self.write = write
    }

    /// Counts a warning and prints it if it is among the first shown; it is worded only then.
    public func add(_ warning: () -> ScenarioWarning) {
        count += 1
        if !quiet && count <= Self.shownInFull { write("\(warning())\n") }
    }

    public func add(_ warnings: [ScenarioWarning]) {
        for warning in warnings { add { warning } }
    }

    /// Counts a warning already worded (by another process of a split run: `line` ends in a
    /// newline) and prints it if it is among the first shown.
    public func add(worded line: String) {
        count += 1
        if !quiet && count <= Self.shownInFull { write(line) }
    }

    /// Counts warnings another process counted but did not word (past its first `shownInFull`).
    public func add(unworded count: Int) { self.count += max(0, count) }

    /// The count line: how many warnings were not printed.
    public func finish() {
        if quiet {
            if count > 0 { write("warning: \(count) warning\(count == 1 ? "" : "s") not shown (--quiet)\n") }
        } else if count > Self.shownInFull {
            let rest = count - Self.shownInFull
            write("warning: … and \(rest) more warning\(rest == 1 ? "" : "s") like these (\(count) in all; the first \(Self.shownInFull) are shown)\n")
        }
    }
}
