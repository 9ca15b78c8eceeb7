import Routing
import Sim
import WireGuard

/// The two files of one process's share of a split run's report (docs/mpi.md), in the folder
/// beside the staging folder that holds the decision-log shares.
public struct SplitReportFiles: Sendable {
    /// What the recorder reads, in the order this process made it: every decision and every
    /// capture, each tagged with the place it was made at (`Simulation.progressKey`).
    public let steps: String
    /// Its nodes' tables, drops and peers (`RunSnapshotCollector`), written at the end.
    public let snapshot: String

    /// The share of process `rank` in `folder`.
    public init(folder: String, rank: Int) {
        steps = folder + "/rank-\(rank).report"
        snapshot = folder + "/rank-\(rank).snapshot"
    }
}

/// What one process of a split run gathers for report.html while it runs, for process 0 to
/// build the one page from (`SplitReportMerge`): the recorder's input, each decision and
/// capture in the order the process made them with its place, and the snapshot collector's
/// tables of its own nodes.
///
/// The recorder (`RunRecorder`) is not run here: which decisions become steps, their lines in
/// decisions.txt and the joining of a send to its arrival depend on every process's decisions
/// in the one-process order, which only process 0 sees (merging the shares by place, as the
/// decision log is merged). So every decision goes to the share, but small: its action, node,
/// interface and direction. The words of a step (time, peer, prefix, text, explanation) go with
/// the decisions that can be kept: a process's first `firstSteps` decisions (a decision's place
/// in the whole run is at least its place in this process's), and then its first
/// `selectedSteps` selected ones (each kept one counts against the run's `selectedSteps`).
/// The text also goes with every decision whose text may span several lines (the recorder
/// counts decisions.txt's lines). A capture goes with its node, interface, frame number, time
/// and, on eth0, a 128-bit BLAKE2s digest of the datagram's identity (`CapturedFrame.identity`):
/// the recorder joins a send to its arrival by equal identities, and equal digests stand for them.
public final class SplitReportShare {
    let limits: RecordingLimits
    private let files: SplitReportFiles
    private let steps: SplitShareWriter
    private let nodeIndex: [String: Int]
    private var simulation: Simulation?
    private var collector: RunSnapshotCollector?
    private var decisions = 0
    private var selectedWithWords = 0
    /// One composer for every kept step's text line (a fresh one per line cost ~358 k
    /// instructions each, as in `RunRecorder`).
    private let textLines = DecisionTextLines()
    /// This process's snapshot part, as the page maker's merge would read it back from its file,
    /// when `finish(end:keepingSnapshot:)` kept it instead of writing it.
    private(set) var keptSnapshot: SnapshotPart?
    /// Decisions and captures taken but not yet written to the steps file, in the order taken,
    /// each with its place as it was taken; those before `stepsWritten` are written. Writing
    /// them (a decision's text line, a datagram's digest) waits for `writePending` (a split run
    /// calls it while the process waits at a window's end) or for `pendingLimit` of them.
    private var pending: [PendingStep] = []
    private var stepsWritten = 0
    /// At most this many steps wait to be written.
    static let pendingLimit = 4096

    private enum PendingStep {
        case decision(DecisionRecord, key: EventKey, withText: Bool, withWords: Bool)
        case capture(node: Int, interface: CapturedInterface, frame: Int?, time: Int64, packet: CapturedFrame, key: EventKey)
    }

    /// Opens the share's steps file; `nodeNames` are every node's names in definition order.
    public init(_ files: SplitReportFiles, nodeNames: [String], limits: RecordingLimits = .standard) throws {
        self.files = files
        self.limits = limits
        steps = try SplitShareWriter(path: files.steps)
        var index: [String: Int] = [:]
        for (i, name) in nodeNames.enumerated() { index[name] = i }
        nodeIndex = index
    }

    /// Wraps the capture sinks as `RunRecorder.captureSinkFactory` does: every frame is counted,
    /// and `captured(NAME)` says whether interface `NODE-IFACE` is written to a file (numbered).
    public func captureSinkFactory(_ base: @escaping CaptureSinkFactory,
                                   captured: @escaping (String) -> Bool) -> CaptureSinkFactory {
        { [unowned self] name in
            let sink = try base(name)
            let (node, interface) = CapturedInterface.parse(sinkName: name)
            return FrameCountingCaptureSink(node: self.nodeIndex[node] ?? -1, interface: interface, base: sink,
                                            numbered: captured(name), witness: self)
        }
    }

    /// Starts watching `simulation` (built, not yet run), as `ReportCollection.attach` does;
    /// `owned` flags this process's nodes, whose tables alone it reads.
    public func attach(to simulation: Simulation, name: String, nodes: [NodeSpec], links: [LinkSpec], owned: [Bool]) {
        self.simulation = simulation
        collector = RunSnapshotCollector(name: name, simulation: simulation, nodes: nodes, links: links, owned: owned)
    }

    /// Where the simulation is: the place a step taken now is written with.
    private var currentKey: EventKey { simulation?.progressKey ?? EventKey(time: .min, origin: .min, sequence: 0) }

    private func writeKey(_ key: EventKey) {
        steps.int(key.time)
        steps.int(key.origin)
        steps.int(Int64(bitPattern: key.sequence))
    }

    /// Takes one decision, in the order this process made it. The collector reads it now (a
    /// configuration's tables are read as they are); its step is written later (`writePending`).
    public func observe(_ record: DecisionRecord) {
        collector?.observe(record)
        let ordinal = decisions
        decisions += 1
        let action = record.action
        var withWords = ordinal < limits.firstSteps
        if !withWords && selectedWithWords < limits.selectedSteps && RunRecorder.isSelected(action) {
            withWords = true
            selectedWithWords += 1
        }
        let withText = withWords || RunRecorder.mayHaveSeveralLines(action)
        take(.decision(record, key: currentKey, withText: withText, withWords: withWords))
    }

    /// A frame captured by one of the wrapped sinks (its bytes kept until its step is written).
    func captured(node: Int, interface: CapturedInterface, frame: Int?, time: Int64, packet: CapturedFrame) {
        take(.capture(node: node, interface: interface, frame: frame, time: time, packet: packet, key: currentKey))
    }

    private func take(_ step: PendingStep) {
        pending.append(step)
        if pending.count - stepsWritten >= Self.pendingLimit { writePending(limit: Self.pendingLimit) }
    }

    /// Writes up to `limit` of the steps not yet written, in the order taken; returns false when
    /// there were none.
    @discardableResult
    public func writePending(limit: Int = 32) -> Bool {
        guard stepsWritten < pending.count else { return false }
        let end = pending.count - stepsWritten > limit ? stepsWritten + limit : pending.count
        for i in stepsWritten..<end {
            switch pending[i] {
            case let .decision(record, key, withText, withWords):
                write(record, key: key, withText: withText, withWords: withWords)
            case let .capture(node, interface, frame, time, packet, key):
                write(node: node, interface: interface, frame: frame, time: time, packet: packet, key: key)
            }
        }
        stepsWritten = end
        if stepsWritten == pending.count {
            pending.removeAll(keepingCapacity: true)
            stepsWritten = 0
        }
        return true
    }

    private func write(_ record: DecisionRecord, key: EventKey, withText: Bool, withWords: Bool) {
        steps.byte(SplitReportItem.decision)
        writeKey(key)
        steps.byte(SplitReportItem.actionCode[record.action] ?? 0)
        steps.int(Int64(nodeIndex[record.node] ?? -1))
        switch record.iface {
        case nil: steps.byte(0)
        case .eth0?: steps.byte(1)
        case .wg0?: steps.byte(2)
        case .other(let name)?:
            steps.byte(3)
            steps.string(name)
        }
        steps.byte(record.dir == nil ? 0 : record.dir == .tx ? 1 : 2)
        steps.byte((withText ? 1 : 0) | (withWords ? 2 : 0))
        if withText { steps.string(record.textLine(with: textLines)) }
        if withWords {
            steps.int(record.t)
            steps.optionalString(record.peer)
            steps.optionalPrefix(record.prefix)
            steps.string(record.why)
        }
    }

    private func write(node: Int, interface: CapturedInterface, frame: Int?, time: Int64, packet: CapturedFrame, key: EventKey) {
        steps.byte(SplitReportItem.capture)
        writeKey(key)
        steps.int(Int64(node))
        steps.byte(interface == .eth0 ? 0 : interface == .wg0 ? 1 : 2)
        steps.int(Int64(frame ?? 0))
        steps.int(time)
        if interface == .eth0 { steps.bytes(SplitReportItem.digest(packet.identity)) }
    }

    /// Closes the steps file and writes the snapshot of this process's nodes, the run having
    /// ended at `end`; throws the first write error; lets go of the simulation and the
    /// collector either way. `keepingSnapshot`: the process that makes the page
    /// (`SplitReportMerge.merge(_:…:kept:)`) keeps its own part in memory instead: the file
    /// would be written only for the same process to read it back (on 4 × 25,000 clients about
    /// 50,000 tables each way, a quarter of the page's work).
    public func finish(end: Int64, keepingSnapshot: Bool = false) throws {
        // The simulation (its devices) and the collector's tables are not needed past this
        // point: the process that makes the page lets them go before it does.
        defer {
            collector = nil
            simulation = nil
        }
        writePending(limit: .max)
        try steps.close()
        if keepingSnapshot {
            keptSnapshot = try ownSnapshotPart(end: end)
            return
        }
        let out = try SplitShareWriter(path: files.snapshot)
        if let collector {
            let (snapshot, appendedAt) = collector.ownedPart(end: end)
            out.int(Int64(snapshot.tables.count))
            for (table, added) in zip(snapshot.tables, appendedAt) {
                out.int(Int64(nodeIndex[table.node] ?? -1))
                out.int(table.t)
                out.int(Int64(table.decisionIndex ?? -1))
                out.int(Int64(added ?? -1))
                out.int(Int64(table.entries.count))
                for entry in table.entries {
                    out.prefix(entry.prefix)
                    out.string(entry.owner)
                    out.optionalString(entry.movedFrom)
                }
            }
            out.int(Int64(snapshot.drops.count))
            for drop in snapshot.drops {
                out.int(Int64(nodeIndex[drop.node] ?? -1))
                out.string(drop.reason)
                out.int(Int64(drop.count))
            }
            let peers = snapshot.peers.compactMap { name, set in nodeIndex[name].map { ($0, set.sorted()) } }.sorted { $0.0 < $1.0 }
            out.int(Int64(peers.count))
            for (node, names) in peers {
                out.int(Int64(node))
                out.int(Int64(names.count))
                for name in names { out.string(name) }
            }
            out.int(snapshot.lastActivity)
        } else {
            for _ in 0..<3 { out.int(0) }
            out.int(0)
        }
        try out.close()
    }

    /// The part `finish` writes, as `SnapshotPart.read` gives it back: nodes by index, each
    /// node's peers in name order, its tables and drops in the collector's order.
    private func ownSnapshotPart(end: Int64) throws -> SnapshotPart {
        var part = SnapshotPart()
        guard let collector else { return part }
        func index(_ node: String) throws -> Int {
            guard let i = nodeIndex[node] else {
                throw SplitShareError(path: files.snapshot, reason: "names node '\(node)', which the scenario does not have")
            }
            return i
        }
        let (snapshot, appendedAt) = collector.ownedPart(end: end)
        part.tables.reserveCapacity(snapshot.tables.count)
        for (table, added) in zip(snapshot.tables, appendedAt) {
            part.tables.append(SnapshotPart.Table(node: try index(table.node), t: table.t, decisionIndex: table.decisionIndex,
                                                  appendedAt: added, entries: table.entries))
        }
        for drop in snapshot.drops { part.drops.append((try index(drop.node), drop)) }
        part.peers = snapshot.peers.compactMap { name, set in nodeIndex[name].map { ($0, name, set) } }
            .sorted { $0.0 < $1.0 }.map { ($0.1, $0.2) }
        part.lastActivity = snapshot.lastActivity
        return part
    }
}

/// The kinds of entry in a steps file, and how a decision's action and a datagram are written.
enum SplitReportItem {
    static let decision: UInt8 = 1
    static let capture: UInt8 = 2
    static let actions = Action.allCases.map { $0 }
    static let actionCode: [Action: UInt8] = {
        var codes: [Action: UInt8] = [:]
        for (i, action) in Action.allCases.enumerated() { codes[action] = UInt8(i) }
        return codes
    }()

    /// What stands for a datagram's identity when a send is joined to its arrival: BLAKE2s with
    /// a 16-byte digest (collision-resistant: equal digests are equal identities).
    static func digest(_ identity: [UInt8]) -> [UInt8] { Blake2s.digest(outputLength: 16, key: [], parts: [identity]) }
}
extension SplitReportShare: CapturedFrameWitness {}
