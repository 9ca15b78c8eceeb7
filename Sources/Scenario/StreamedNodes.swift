import Sim
import WireGuard

/// A generated scenario's `nodes:` converted one node at a time as `YAMLSubsetReader` reads it
/// (`read(_:streaming:marking:begin:)`), so that the nodes' YAML is never all held beside the
/// nodes made of it: as a tree, a generated hub's `nodes:` is about 1.3 KB a client node and its
/// hub peer, more than the model.
///
/// It gives the `Scenario` the tree path gives, with the same errors in the same order:
/// - The node names (for peers and endpoints that name a node) come from the reader's scan of
///   the mapping's keys before its first value is read; names the tree path would refuse (empty,
///   with spaces, `/` or `@`, or twice) make it decline, and the tree path reports them.
/// - The limit on times is the `start-time:` read before `nodes:`; one after it (only in a file
///   edited by hand) makes the loader read the file again as a tree.
/// - A node's error is kept, not thrown, and no later node is converted: the tree path reads
///   the whole file (reporting any YAML problem first), then the top-level keys, then the nodes
///   in order; the loader throws it at that point (`ScenarioLoader`).
final class StreamedNodes {
    /// The nodes converted, in file order, until the first error.
    private(set) var nodes: [ScenarioNode] = []
    /// The first node's error; nodes after it were read but not converted.
    private(set) var firstError: Error?
    /// How many of `nodes` were converted from their line's bytes (`StreamedNodeLine`).
    private(set) var nodesFromLines = 0
    /// How many `wireguard: peers:` items were converted from their line's bytes
    /// (`StreamedNodeLine.convertPeer`; a generated hub's peers).
    private(set) var peersFromLines = 0
    /// The peers converted from their lines in the entry being read, for `convert`.
    private var takenPeers: [WireGuardPeer] = []
    /// Every node's name (the scan's), as `LoadContext.nodeNames`.
    let names: Set<String>
    /// The `start-time` the nodes were converted with (its limit is in their times).
    let startUnixNanoseconds: Int64
    /// The key job started from the scan (`ScenarioLoader.startDerivingKeys`).
    let derivedKeys: DerivedKeyPairs?
    private let context: LoadContext

    /// The words the scan marks in each node's lines: a node mentioning `wireguard` but not
    /// `private-key` probably derives its key from the seed.
    static let scannedWords = ["wireguard", "private-key"]

    /// Reads `text` (within the subset, `YAMLSubsetReader.isGenerated`) with its `nodes:`
    /// streamed: the root (its `nodes:` an empty mapping) and the nodes, or the root alone as a
    /// tree when streaming declined (`nodes` nil); nil when the text is outside the subset.
    static func read(_ text: String, file: String, directory: String, keysAhead: Bool)
        -> (root: YAMLValue, nodes: StreamedNodes?)? {
        var collector: StreamedNodes?
        let document = YAMLSubsetReader.read(text, streaming: "nodes", marking: scannedWords) { before, scan in
            guard let nodes = StreamedNodes(before: before, scan: scan, file: file, directory: directory, keysAhead: keysAhead) else {
                return nil
            }
            collector = nodes
            return YAMLSubsetReader.EntrySinks(entry: { name, keyLine, value in nodes.convert(name, keyLine: keyLine, value) },
                                               line: { name, keyLine, value in nodes.convertLine(name, keyLine: keyLine, value) },
                                               peerLine: { line, value in nodes.convertPeerLine(line: line, value) })
        }
        guard let document else { return nil }
        return (YAMLValue(node: document.root, file: file), document.streamed ? collector : nil)
    }

    /// nil when the tree path should read the nodes (it then reports what made this decline).
    private init?(before: [(key: YAMLNode, value: YAMLNode)], scan: YAMLSubsetReader.EntryScan,
                  file: String, directory: String, keysAhead: Bool) {
        // By bytes, not characters: a million names, and a scanned key is ASCII (`isKeyByte`).
        guard !scan.keys.contains(where: { $0.isEmpty || $0.utf8.contains(where: { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "@") }) }) else {
            return nil
        }
        func value(_ key: String) -> YAMLValue? {
            before.first { if case .scalar(key, _, _) = $0.key { return true } else { return false } }
                .map { YAMLValue(node: $0.value, file: file) }
        }
        var start = Scenario.defaultStartUnixNanoseconds
        if let s = value("start-time") {
            // A start-time the loader will refuse: let the tree path refuse it.
            guard let valid = try? ScenarioLoader.startTime(s) else { return nil }
            start = valid
        }
        var seed: UInt64? = 1
        if let s = value("seed") { seed = (try? s.string("seed")).flatMap { UInt64($0) } }
        // The keys first: the job's worker derives them while this thread hashes the names.
        let derivedKeys = keysAhead ? seed.flatMap { Self.startDerivingKeys(scan, seed: $0) } : nil
        let names = Set(scan.keys)
        guard names.count == scan.keys.count else {
            derivedKeys?.cancel()
            return nil
        }
        self.derivedKeys = derivedKeys
        self.names = names
        startUnixNanoseconds = start
        context = LoadContext(file: file, directory: directory, nodeNames: names, limit: TimeLimit(startUnixNanoseconds: start))
        nodes.reserveCapacity(scan.keys.count)   // no growth slack: a hub's clients stay in it for the run
    }

    /// `ScenarioLoader.startDerivingKeys` from the scan: the nodes whose lines mention
    /// `wireguard` and not `private-key`. A node guessed wrongly costs a key derived for nothing
    /// or one derived later; `Simulation.prepareKeys` uses a derived key only for a node that
    /// has a wg0 without a key, of that name.
    private static func startDerivingKeys(_ scan: YAMLSubsetReader.EntryScan, seed: UInt64) -> DerivedKeyPairs? {
        guard scan.keys.count >= KeyPairJob.minimumKeys else { return nil }
        var nodes: [Int] = []
        var names: [String] = []
        for (index, mark) in scan.marks.enumerated() where mark == 0b01 {
            nodes.append(index)
            names.append(scan.keys[index])
        }
        guard nodes.count >= KeyPairJob.minimumKeys else { return nil }
        return DerivedKeyPairs(seed: seed, nodes: nodes, names: names)
    }

    private func convert(_ name: String, keyLine: Int, _ value: YAMLNode) {
        let taken = takenPeers
        takenPeers = []
        guard firstError == nil else { return }
        do {
            nodes.append(try context.node(named: name, YAMLValue(node: value, file: context.file), keyLine: keyLine,
                                          takenPeers: taken))
        } catch {
            firstError = error
        }
    }

    /// A node written on one line, converted from its bytes when `StreamedNodeLine` takes it
    /// (false: the reader reads it as nodes for `convert`). After a node's error nothing is
    /// converted, as in `convert`; the line is still left to the reader, which checks it.
    private func convertLine(_ name: String, keyLine: Int, _ value: UnsafeBufferPointer<UInt8>) -> Bool {
        guard firstError == nil, let node = StreamedNodeLine.convert(value, name: name, keyLine: keyLine, context: context) else {
            return false
        }
        nodes.append(node)
        nodesFromLines += 1
        return true
    }

    /// A node's `peers:` item on one line, converted from its bytes when
    /// `StreamedNodeLine.convertPeer` takes it and kept for the node's `convert` (false: the
    /// reader reads it as nodes). After a node's error nothing is converted, as in `convert`.
    private func convertPeerLine(line: Int, _ value: UnsafeBufferPointer<UInt8>) -> Bool {
        guard firstError == nil, let peer = StreamedNodeLine.convertPeer(value, line: line, context: context) else { return false }
        takenPeers.append(peer)
        peersFromLines += 1
        return true
    }

    /// The nodes, taken (the collector keeps none).
    func takeNodes() -> [ScenarioNode] {
        defer { nodes = [] }
        return nodes
    }
}
