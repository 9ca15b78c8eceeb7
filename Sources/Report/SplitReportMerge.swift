import Routing
import Sim
import WireGuard

/// Process 0's half of a split run's report (docs/mpi.md): every process's share
/// (`SplitReportShare`) put back together into what one process would have gathered, so that
/// the one page writer draws the same page.
///
/// The steps files are merged by place exactly as the decision-log shares are
/// (`DecisionLogParts.merge`: the smallest place first, the lower process on a tie), and every
/// decision and capture is handed, in that order, to a `RunRecorder`: the same recorder, fed
/// the same sequence, as in one process. On the way each process's decisions are numbered in
/// the whole run's order, which turns the positions the processes know (their own decisions'
/// count) into the run's: the tables' decisions and the expectations' evidence.
public enum SplitReportMerge {
    /// What the page is drawn from, and the run's position of any process's decision asked for.
    public struct Result {
        public let recording: RunRecording
        public let snapshot: RunSnapshot
        private let positions: [[Int: Int]]

        init(recording: RunRecording, snapshot: RunSnapshot, positions: [[Int: Int]]) {
            self.recording = recording
            self.snapshot = snapshot
            self.positions = positions
        }

        /// The run's position of process `rank`'s decision number `local` (0-based), if it was asked for.
        public func position(rank: Int, local: Int) -> Int? {
            positions.indices.contains(rank) ? positions[rank][local] : nil
        }
    }

    /// Merges the shares `files` (by rank). `nodes` and `links` are the scenario's specs (every
    /// node's, as `RunSnapshotCollector` is given them), `end` the run's end; `wanted[rank]` are
    /// the positions in that process's decisions whose run positions the caller will ask for.
    /// `kept`: the merging process's own share with its rank, when it kept its snapshot part in
    /// memory (`SplitReportShare.finish(end:keepingSnapshot:)`) instead of writing that file.
    public static func merge(_ files: [SplitReportFiles], name: String, nodes: [NodeSpec], links: [LinkSpec], end: Int64,
                             wanted: [[Int]], kept: (rank: Int, share: SplitReportShare)? = nil,
                             limits: RecordingLimits = .standard) throws -> Result {
        let nodeNames = nodes.map(\.name)
        let parts = try files.indices.map { rank in
            if let kept, kept.rank == rank, let part = kept.share.keptSnapshot { return part }
            return try SnapshotPart.read(files[rank].snapshot, nodeNames: nodeNames)
        }
        var asked = [Set<Int>](repeating: [], count: files.count)
        for (rank, part) in parts.enumerated() {
            asked[rank].formUnion(wanted.indices.contains(rank) ? wanted[rank] : [])
            for table in part.tables {
                if let index = table.decisionIndex { asked[rank].insert(index) }
                if let added = table.appendedAt { asked[rank].insert(added) }
            }
        }
        let (recording, positions) = try replay(files, nodeNames: nodeNames, asked: asked, limits: limits)
        let snapshot = try assemble(parts, files: files, name: name, nodes: nodes, links: links, end: end, positions: positions)
        return Result(recording: recording, snapshot: snapshot, positions: positions)
    }

    /// Hands every process's decisions and captures to one recorder in the run's order.
    private static func replay(_ files: [SplitReportFiles], nodeNames: [String], asked: [Set<Int>],
                               limits: RecordingLimits) throws -> (RunRecording, [[Int: Int]]) {
        let readers = try files.map { try StepsReader(path: $0.steps, nodeNames: nodeNames) }
        let recorder = RunRecorder(limits: limits)
        var positions = [[Int: Int]](repeating: [:], count: files.count)
        var local = [Int](repeating: 0, count: files.count)
        var global = 0
        var heads = try readers.map { try $0.next() }
        while let rank = EventKey.earliest(of: heads, key: \.key), let head = heads[rank] {
            switch head.content {
            case .decision(let decision):
                if asked[rank].contains(local[rank]) { positions[rank][local[rank]] = global }
                local[rank] += 1
                global += 1
                let kept = recorder.keptSteps
                recorder.observe(decision: decision)
                if recorder.keptSteps > kept && !decision.withWords {
                    // The share's bound on the steps a process can have kept (SplitReportShare) failed.
                    throw SplitShareError(path: files[rank].steps, reason: "lacks the words of decision \(global) of the run, which the report keeps")
                }
            case .capture(let node, let interface, let frame, let time, let digest):
                recorder.captured(node: node, interface: interface, frame: frame, time: time, packet: .identity(digest))
            }
            heads[rank] = try readers[rank].next()
        }
        return (recorder.finish(), positions)
    }

    /// The snapshot one process's collector would have made: set-up tables in node order, then
    /// every later table in the order of the decision that added it; drops in node order.
    private static func assemble(_ parts: [SnapshotPart], files: [SplitReportFiles], name: String, nodes: [NodeSpec],
                                 links: [LinkSpec], end: Int64, positions: [[Int: Int]]) throws -> RunSnapshot {
        var setup: [(node: Int, table: PeerTableSnapshot)] = []
        var later: [(added: Int, table: PeerTableSnapshot)] = []
        var drops: [(node: Int, drop: DropCount)] = []
        var peers: [String: Set<String>] = [:]
        var lastActivity: Int64 = 0
        for (rank, part) in parts.enumerated() {
            func position(_ local: Int) throws -> Int {
                guard let global = positions[rank][local] else {
                    throw SplitShareError(path: files[rank].snapshot, reason: "names decision \(local), which the steps file does not hold")
                }
                return global
            }
            for table in part.tables {
                let snapshot = PeerTableSnapshot(node: nodes[table.node].name, t: table.t, sortedEntries: table.entries,
                                                 decisionIndex: try table.decisionIndex.map(position))
                if let added = table.appendedAt {
                    later.append((try position(added), snapshot))
                } else {
                    setup.append((table.node, snapshot))
                }
            }
            drops += part.drops
            for (node, names) in part.peers { peers[node] = names }
            lastActivity = max(lastActivity, part.lastActivity)
        }
        setup.sort { $0.node < $1.node }
        later.sort { $0.added < $1.added }
        // Stable: one node's drops are in reason order within its process's part.
        let orderedDrops = drops.enumerated().sorted { ($0.element.node, $0.offset) < ($1.element.node, $1.offset) }.map(\.element.drop)
        return RunSnapshot(name: name, nodes: RunSnapshotCollector.topologyNodes(nodes), links: links.map(TopologyLink.init),
                           tables: setup.map(\.table) + later.map(\.table), drops: orderedDrops, end: end, peers: peers,
                           lastActivity: min(end, lastActivity))
    }
}

/// A decision as a process shipped it: what the recorder reads (`RecorderDecision`); the words
/// are empty unless `withWords`, the text unless the share wrote it.
struct ShippedDecision: RecorderDecision {
    var t: Int64 = 0
    var node: String
    var iface: Interface?
    var ifaceName: String
    var dir: Direction?
    var action: Action
    var peer: String?
    var prefix: IPPrefix?
    var why = ""
    var textLine = ""
    var withWords = false
}

/// One entry of a steps file.
struct StepsEntry {
    enum Content {
        case decision(ShippedDecision)
        case capture(node: String, interface: CapturedInterface, frame: Int?, time: Int64, digest: [UInt8])
    }
    var key: EventKey
    var content: Content
}

/// Reads a steps file entry by entry.
final class StepsReader {
    private let reader: SplitShareReader
    private let nodeNames: [String]

    init(path: String, nodeNames: [String]) throws {
        reader = try SplitShareReader(path: path)
        self.nodeNames = nodeNames
    }

    private func node() throws -> String {
        let index = try reader.count(atMost: nodeNames.count - 1)
        return nodeNames[index]
    }

    /// The next entry, nil at the end of the file.
    func next() throws -> StepsEntry? {
        if reader.atEnd { return nil }
        let kind = try reader.byte()
        let key = EventKey(time: try reader.int(), origin: try reader.int(), sequence: UInt64(bitPattern: try reader.int()))
        switch kind {
        case SplitReportItem.decision:
            let code = Int(try reader.byte())
            guard SplitReportItem.actions.indices.contains(code) else { throw bad("an action that is not one") }
            let node = try node()
            let iface: Interface?, ifaceName: String
            switch try reader.byte() {
            case 0: (iface, ifaceName) = (nil, "none")
            case 1: (iface, ifaceName) = (.eth0, "eth0")
            case 2: (iface, ifaceName) = (.wg0, "wg0")
            case 3:
                let name = try reader.string()
                (iface, ifaceName) = (.other(name), name)
            default: throw bad("an interface that is not one")
            }
            let dir: Direction?
            switch try reader.byte() {
            case 0: dir = nil
            case 1: dir = .tx
            case 2: dir = .rx
            default: throw bad("a direction that is not one")
            }
            let flags = try reader.byte()
            var decision = ShippedDecision(node: node, iface: iface, ifaceName: ifaceName, dir: dir,
                                           action: SplitReportItem.actions[code])
            if flags & 1 != 0 { decision.textLine = try reader.string() }
            if flags & 2 != 0 {
                decision.withWords = true
                decision.t = try reader.int()
                decision.peer = try reader.optionalString()
                decision.prefix = try reader.optionalPrefix()
                decision.why = try reader.string()
            }
            return StepsEntry(key: key, content: .decision(decision))
        case SplitReportItem.capture:
            let node = try node()
            let interface: CapturedInterface
            switch try reader.byte() {
            case 0: interface = .eth0
            case 1: interface = .wg0
            case 2: interface = .other
            default: throw bad("an interface that is not one")
            }
            let frame = try reader.int(), time = try reader.int()
            let digest = interface == .eth0 ? try reader.bytes() : []
            return StepsEntry(key: key, content: .capture(node: node, interface: interface, frame: frame > 0 ? Int(frame) : nil,
                                                          time: time, digest: digest))
        default:
            throw bad("an entry of unknown kind \(kind)")
        }
    }

    private func bad(_ what: String) -> SplitShareError { SplitShareError(path: reader.path, reason: "holds \(what)") }
}

/// One process's snapshot part, read back; small tables, peer sets and owner names shared as
/// `RunSnapshotCollector` shares them.
struct SnapshotPart {
    struct Table {
        var node: Int
        var t: Int64
        var decisionIndex: Int?
        var appendedAt: Int?
        var entries: [PeerTableEntry]
    }
    var tables: [Table] = []
    var drops: [(node: Int, drop: DropCount)] = []
    var peers: [(String, Set<String>)] = []
    var lastActivity: Int64 = 0

    static func read(_ path: String, nodeNames: [String]) throws -> SnapshotPart {
        let reader = try SplitShareReader(path: path)
        var part = SnapshotPart()
        var names: [String: String] = [:]
        var sharedEntries: Set<[PeerTableEntry]> = []
        var sharedPeers: Set<Set<String>> = []
        func name() throws -> String {
            let text = try reader.string()
            if let known = names[text] { return known }
            names[text] = text
            return text
        }
        func node() throws -> Int { try reader.count(atMost: nodeNames.count - 1) }
        func optional(_ value: Int64) -> Int? { value < 0 ? nil : Int(value) }
        for _ in 0..<(try reader.count()) {
            let node = try node(), t = try reader.int()
            let decisionIndex = optional(try reader.int()), appendedAt = optional(try reader.int())
            var entries: [PeerTableEntry] = []
            for _ in 0..<(try reader.count()) {
                let prefix = try reader.prefix(), owner = try name()
                let moved = try reader.byte() == 0 ? nil : try name()
                entries.append(PeerTableEntry(prefix: prefix, owner: owner, movedFrom: moved))
            }
            if entries.count <= 8 { entries = sharedEntries.insert(entries).memberAfterInsert }
            part.tables.append(Table(node: node, t: t, decisionIndex: decisionIndex, appendedAt: appendedAt, entries: entries))
        }
        for _ in 0..<(try reader.count()) {
            let node = try node(), reason = try reader.string(), count = try reader.count(atMost: Int.max)
            part.drops.append((node, DropCount(node: nodeNames[node], reason: reason, count: count)))
        }
        for _ in 0..<(try reader.count()) {
            let node = try node()
            var set = Set<String>()
            for _ in 0..<(try reader.count()) { set.insert(try name()) }
            if set.count <= 8 { set = sharedPeers.insert(set).memberAfterInsert }
            part.peers.append((nodeNames[node], set))
        }
        part.lastActivity = try reader.int()
        guard reader.atEnd else { throw SplitShareError(path: path, reason: "holds more than a snapshot") }
        return part
    }
}
