import Foundation
import Routing
import Sim
import WireGuard

/// A network built from wg-quick files alone (`wgsim run a.conf b.conf …`, `wgsim run FOLDER`):
/// the same `Scenario` a YAML file would give, with
///
/// - a node per file, named after the file without `.conf`, its wg0 read from the file, and
///   forwarding on (a wg-quick machine joining sites is a gateway with `net.ipv4.ip_forward=1`);
/// - peers matched by public key: a `[Peer]` whose key is the public key of another file's
///   `PrivateKey` is that file's node; any other key is a peer outside the network (noted);
/// - underlay addresses taken from the files' endpoints (`NetworkUnderlayPlan`);
/// - one ping from every node to every other node's tunnel addresses, each with the
///   expectation that its reply comes back (`NetworkPings`).
///
/// The run is named after the folder, or after the first file.
public enum NetworkAssembly {
    /// Whether command-line inputs are a network of wg-quick files rather than one scenario:
    /// several inputs, a file ending in `.conf`, or a folder.
    public static func isNetwork(_ inputs: [String]) -> Bool {
        inputs.count != 1 || inputs[0].hasSuffix(".conf") || isFolder(inputs[0])
    }

    /// Reads the files (or the folder's `.conf` files, in name order) and assembles the network.
    public static func load(_ inputs: [String]) throws -> Scenario {
        let (paths, origin, name) = try inputFiles(inputs)
        var files: [(path: String, text: String)] = []
        for path in paths { files.append((path, try TextFile.read(path))) }
        return try assemble(files: files, name: name, origin: origin)
    }

    /// The `.conf` files the inputs name, where they came from (the folder, or the first file)
    /// and the run's name.
    static func inputFiles(_ inputs: [String]) throws -> (paths: [String], origin: String, name: String) {
        guard let first = inputs.first else {
            throw ScenarioError(file: "wgsim run", line: nil, "give a scenario file, wg-quick .conf files, or a folder of them")
        }
        if inputs.count == 1, isFolder(first) {
            let paths = try confFiles(in: first)
            let folderName = URL(fileURLWithPath: first).standardizedFileURL.lastPathComponent
            return (paths, first, try runName(folderName, from: first, what: "the folder"))
        }
        for input in inputs {
            if isFolder(input) {
                throw ScenarioError(file: input, line: nil, "is a folder: give one folder of .conf files, or .conf files, not both")
            }
            guard input.hasSuffix(".conf") else {
                throw ScenarioError(file: input, line: nil,
                                    "is not a .conf file: give one scenario file, or wg-quick .conf files, or one folder of them")
            }
        }
        return (inputs, first, try runName(stem(of: first), from: first, what: "the first file"))
    }

    /// The folder's `.conf` files (not hidden ones, not folders), sorted by name byte by byte.
    static func confFiles(in folder: String) throws -> [String] {
        let names: [String]
        do { names = try FileManager.default.contentsOfDirectory(atPath: folder) } catch {
            throw FileProblem.error(folder, "cannot list this folder", error)
        }
        let prefix = folder.hasSuffix("/") ? folder : folder + "/"
        let paths = names.filter { $0.hasSuffix(".conf") && !$0.hasPrefix(".") }
            .sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
            .map { prefix + $0 }
            .filter { !isFolder($0) }
        guard !paths.isEmpty else {
            throw ScenarioError(file: folder, line: nil,
                                "no .conf files in this folder (a folder runs as a network of wg-quick files; a scenario runs by naming its .yaml file)")
        }
        return paths
    }

    static func isFolder(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
    }

    /// `a` for `dir/a.conf`.
    static func stem(of path: String) -> String {
        let base = path.split(separator: "/", omittingEmptySubsequences: false).last.map(String.init) ?? path
        return base.hasSuffix(".conf") ? String(base.dropLast(5)) : base
    }

    /// The run's name (it names the output and golden folders), checked as a scenario's `name`.
    private static func runName(_ name: String, from path: String, what: String) throws -> String {
        guard !name.isEmpty, name != ".", name != "..",
              name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }) else {
            throw ScenarioError(file: path, line: nil,
                                "the run is named after \(what) ('\(name)'), and a run's name must be letters, digits, '-', '_' or '.' "
                                + "(it names the output and golden folders): rename it")
        }
        return name
    }

    /// The network of `files` (paths as named in messages, and their text).
    static func assemble(files: [(path: String, text: String)], name: String, origin: String) throws -> Scenario {
        var stems: [String] = []
        var fileOfStem: [String: String] = [:]
        for file in files {
            let stem = stem(of: file.path)
            // wg-quick's own rule for a configuration file's name (an interface name), any length.
            guard !stem.isEmpty, stem.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "_=+.-".contains($0)) }) else {
                throw ScenarioError(file: file.path, line: nil,
                                    "a node is named after its file, and '\(stem)' is not a name wg-quick takes: letters, digits and _=+.- only")
            }
            if let other = fileOfStem.updateValue(file.path, forKey: stem) {
                throw ScenarioError(file: file.path, line: nil, "a second file named \(stem).conf (the first is \(other)): each file is one node, named after its file")
            }
            stems.append(stem)
        }
        let nodeNames = Set(stems)
        let read = try files.map { try WgQuickConfig.read($0.text, file: $0.path, nodeNames: nodeNames) }

        // Each file's public key, from its PrivateKey: what the other files' [Peer]s name.
        var privateKeys: [PrivateKey] = []
        for file in read {
            guard let key = file.interface.privateKey else {
                throw ScenarioError(file: file.file, line: 1,
                                    "no PrivateKey: in a network of wg-quick files each file is a node, found by the public key of its PrivateKey")
            }
            privateKeys.append(key)
        }
        privateKeys = PrivateKey.withPublicKeys(privateKeys)
        var owner: [PublicKey: Int] = [:]
        for (index, key) in privateKeys.enumerated() {
            if let other = owner.updateValue(index, forKey: key.publicKey) {
                throw read[index].location(read[index].privateKeyLine ?? 1).error(
                    "the same PrivateKey as \(read[other].location(read[other].privateKeyLine ?? 1)): two machines cannot share one key")
            }
        }

        // Who each [Peer] is: another file's node, or someone outside the network.
        var notes: [[ScenarioNote]] = Array(repeating: [], count: read.count)
        var targets: [[Int?]] = []
        var kept: [[WgQuickFile.Peer]] = []
        for (index, file) in read.enumerated() {
            var fileTargets: [Int?] = []
            var filePeers: [WgQuickFile.Peer] = []
            for entry in file.peers {
                let keyLine = file.location(entry.publicKeyLine)
                var target: Int?
                switch entry.peer.peer {
                case .node(let name):
                    target = stems.firstIndex(of: name)
                case .key(let key):
                    target = owner[key]
                    if target == nil {
                        notes[index].append(ScenarioNote(keyLine,
                            "PublicKey \(key.base64) is no file's: a peer outside this network, where nothing answers"))
                    }
                }
                if target == index {
                    // The kernel ignores a peer with the device's own public key (netlink.c set_peer).
                    notes[index].append(ScenarioNote(keyLine, "this [Peer] has the file's own public key; the kernel ignores such a peer, and so does wgsim"))
                    continue
                }
                fileTargets.append(target)
                filePeers.append(entry)
            }
            targets.append(fileTargets)
            kept.append(filePeers)
        }
        // A peer the other side does not list back: its handshakes are dropped there.
        for (index, file) in read.enumerated() {
            for (entry, target) in zip(kept[index], targets[index]) {
                guard let target, !targets[target].contains(where: { $0 == index }) else { continue }
                notes[index].append(ScenarioNote(file.location(entry.publicKeyLine),
                    "this is \(stems[target]) (\(read[target].file)), which has no [Peer] with \(stems[index])'s public key: "
                    + "\(stems[target]) drops \(stems[index])'s handshakes"))
            }
        }

        let plan = try NetworkUnderlayPlan(files: read, peers: kept, targets: targets, stems: stems)
        var nodes: [ScenarioNode] = []
        for (index, file) in read.enumerated() {
            var interface = file.interface
            interface.privateKey = privateKeys[index]
            var fileNotes = notes[index]
            for (entry, target) in zip(kept[index], targets[index]) {
                var peer = entry.peer
                if let target { peer.peer = .node(stems[target]) }
                if let endpoint = entry.endpoint, let line = entry.endpointLine {
                    let (resolved, note) = plan.endpoint(endpoint, of: target, files: read, stems: stems)
                    peer.endpoint = resolved
                    if let note { fileNotes.append(ScenarioNote(file.location(line), note)) }
                }
                interface.peers.append(peer)
            }
            interface.notes += fileNotes.sorted { $0.location.line < $1.location.line }
            nodes.append(ScenarioNode(name: stems[index], underlay: plan.underlays[index], wireguard: interface, routes: [],
                                      forwarding: true, location: file.location(1)))
        }
        try ScenarioLoader.checkUnderlays(nodes)
        try ScenarioLoader.checkRoutes(nodes)

        let pings = NetworkPings(nodes: nodes, files: read)
        var description = "a network of \(files.count) wg-quick file\(files.count == 1 ? "" : "s") from \(origin); "
            + "every node forwards packets, as a gateway with net.ipv4.ip_forward=1 does\n"
        description += plan.summary(stems: stems)
        description += pings.summary
        return Scenario(name: name, description: description, seed: 1,
                        startUnixNanoseconds: Scenario.defaultStartUnixNanoseconds, duration: pings.duration,
                        nodes: nodes, links: [], events: pings.events, expectations: pings.expectations, file: origin)
    }
}
