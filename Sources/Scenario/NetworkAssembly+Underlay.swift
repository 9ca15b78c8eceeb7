import Routing
import Sim

/// Where each node of a network of wg-quick files sits on the underlay (eth0), and what each
/// endpoint host name stands for. Decided in file order, so the same files give the same plan:
///
/// 1. An `Endpoint` address in a `[Peer]` that is another file's node becomes that node's
///    underlay (the first one seen, if the address is still free).
/// 2. Every node still without one gets the next documented address (RFC 5737: 192.0.2.1–254,
///    then 198.51.100.x, then 203.0.113.x; RFC 3849's 2001:db8::N instead when every endpoint
///    address the files give is IPv6), skipping addresses already taken.
/// 3. A host name in an `Endpoint` stands for the underlay of the node whose key the `[Peer]`
///    has; a host name of a peer outside the network gets a documented address nobody answers at.
struct NetworkUnderlayPlan {
    private(set) var underlays: [IPAddress]
    /// How each node's address was chosen, for the summary.
    private var reasons: [String]
    /// Host names in the order first seen.
    private var hosts: [(name: String, address: IPAddress, node: Int?, seen: SourceLocation)] = []
    private var hostIndex: [String: Int] = [:]
    /// The node at each underlay address.
    private var nodeAt: [IPAddress: Int] = [:]
    /// Whether each node's file gives a ListenPort (wg would choose a random port otherwise).
    private let listenPortGiven: [Bool]

    init(files: [WgQuickFile], peers: [[WgQuickFile.Peer]], targets: [[Int?]], stems: [String]) throws {
        var assigned: [IPAddress?] = Array(repeating: nil, count: files.count)
        var reasons = Array(repeating: "", count: files.count)
        var taken = Set<IPAddress>()
        for (index, file) in files.enumerated() {
            for (entry, target) in zip(peers[index], targets[index]) {
                guard let target, assigned[target] == nil, case .address(let endpoint)? = entry.endpoint,
                      let line = entry.endpointLine, !taken.contains(endpoint.address) else { continue }
                assigned[target] = endpoint.address
                taken.insert(endpoint.address)
                reasons[target] = "the Endpoint at \(Self.short(file.location(line)))"
            }
        }
        // Every address an Endpoint names, a node's or not, is kept free of documented addresses.
        var written = taken
        for filePeers in peers {
            for entry in filePeers { if case .address(let e)? = entry.endpoint { written.insert(e.address) } }
        }
        var pool = DocumentedAddresses(ipv6: !taken.isEmpty && taken.allSatisfy { !$0.isIPv4 }, taken: written)
        for index in files.indices where assigned[index] == nil {
            guard let address = pool.next() else {
                throw ScenarioError(file: files[index].file, line: nil, "more nodes need an underlay address than the documented ranges hold")
            }
            assigned[index] = address
            reasons[index] = "documented address"
        }
        underlays = assigned.map { $0! }
        listenPortGiven = files.map(\.listenPortGiven)
        for (index, address) in underlays.enumerated() { nodeAt[address] = index }

        for (index, file) in files.enumerated() {
            for (entry, target) in zip(peers[index], targets[index]) {
                guard case .host(let name, _)? = entry.endpoint, let line = entry.endpointLine, hostIndex[name] == nil else { continue }
                let address: IPAddress
                if let target {
                    address = underlays[target]
                } else {
                    guard let next = pool.next() else {
                        throw file.location(line).error("more host names need an address than the documented ranges hold")
                    }
                    address = next
                }
                hostIndex[name] = hosts.count
                hosts.append((name, address, target, file.location(line)))
            }
        }
        for host in hosts {
            guard let node = host.node else { continue }
            reasons[node] += reasons[node] == "documented address" ? " standing for \(host.name) (\(Self.short(host.seen)))"
                                                                   : "; \(host.name) (\(Self.short(host.seen))) stands for it too"
        }
        for index in files.indices where reasons[index] == "documented address" {
            reasons[index] += ": no file gives an endpoint for it"
        }
        self.reasons = reasons.map { $0.hasPrefix("the Endpoint") ? "from " + $0 : $0 }
    }

    /// The endpoint a `[Peer]` gets, and a note when it does not reach the node whose key the
    /// peer has, or reaches a node whose file left the listening port to chance.
    func endpoint(_ endpoint: WgQuickEndpoint, of target: Int?, files: [WgQuickFile], stems: [String]) -> (EndpointRef?, String?) {
        var notes: [String] = []
        let resolved: EndpointRef
        var destination: Int?
        switch endpoint {
        case .address(let e):
            resolved = .address(e)
            destination = nodeAt[e.address]
            if let target, underlays[target] != e.address {
                notes.append("\(e.address) is not where \(stems[target]) is: its underlay is \(underlays[target]) (\(reasons[target])), "
                             + "and wgsim keeps the address as written")
            }
        case .host(let name, let port):
            // `init` gave every host name of every file an address; a name it did not see is left
            // unset (learnt from packets) rather than trusted.
            guard let index = hostIndex[name] else { return (nil, "Endpoint: no address was planned for \(name): left unset") }
            let host = hosts[index]
            resolved = .address(Endpoint(address: host.address, port: port))
            destination = host.node
            if let target, host.node != target {
                let standsFor = host.node.map { "node \(stems[$0])" } ?? "a host outside the network"
                notes.append("the host name \(name) already stands for \(standsFor) (\(host.seen)); wgsim gives a name one address, "
                             + "so this peer's packets go there, not to \(stems[target])")
            }
        case .node(let name, let port):
            guard let node = stems.firstIndex(of: name) else { return (nil, "Endpoint: \(name) is no file of this network: left unset") }
            destination = node
            resolved = port.map { .address(Endpoint(address: underlays[node], port: $0)) } ?? .node(name)
        }
        if let destination, !listenPortGiven[destination] {
            notes.append("\(files[destination].file) gives no ListenPort, so wg would listen on a random port there; "
                         + "wgsim's \(stems[destination]) listens on \(files[destination].interface.listenPort)")
        }
        return (resolved, notes.isEmpty ? nil : "Endpoint: " + notes.joined(separator: "; "))
    }

    /// `b.conf:12` for `dir/b.conf:12`: in the summary every file is a node named after it.
    static func short(_ location: SourceLocation) -> String {
        "\(location.file.split(separator: "/").last.map(String.init) ?? location.file):\(location.line)"
    }

    /// The most lines of each kind (nodes, outside hosts) the summary lists; the rest are counted.
    static let summaryLines = 20

    /// The addresses and why, one line each, for the run's description.
    func summary(stems: [String]) -> String {
        let outside = hosts.filter { $0.node == nil }
        let shownNodes = stems.indices.prefix(Self.summaryLines), shownHosts = outside.prefix(Self.summaryLines)
        let width = (shownNodes.map { stems[$0] } + shownHosts.map(\.name)).map(\.count).max() ?? 0
        let addressWidth = (shownNodes.map { underlays[$0] } + shownHosts.map(\.address)).map(\.description.count).max() ?? 0
        func pad(_ s: String, _ n: Int) -> String { s + String(repeating: " ", count: max(0, n - s.count)) }
        var text = "underlay (eth0) addresses:\n"
        for index in shownNodes {
            text += "  \(pad(stems[index], width))  \(pad(underlays[index].description, addressWidth))  \(reasons[index])\n"
        }
        if stems.count > shownNodes.count { text += "  (and \(stems.count - shownNodes.count) more nodes)\n" }
        for host in shownHosts {
            text += "  \(pad(host.name, width))  \(pad(host.address.description, addressWidth))  "
                + "documented address of a host outside the network (\(Self.short(host.seen))): nothing answers there\n"
        }
        if outside.count > shownHosts.count { text += "  (and \(outside.count - shownHosts.count) more host names outside the network)\n" }
        return text
    }
}

/// Documentation addresses in order, skipping those already in use.
struct DocumentedAddresses {
    private let ipv6: Bool
    private let taken: Set<IPAddress>
    private var counter = 0

    init(ipv6: Bool, taken: Set<IPAddress>) {
        self.ipv6 = ipv6
        self.taken = taken
    }

    /// 192.0.2.1–254, 198.51.100.1–254, 203.0.113.1–254 (RFC 5737); or 2001:db8::1 onwards (RFC 3849).
    mutating func next() -> IPAddress? {
        while true {
            counter += 1
            let address: IPAddress
            if ipv6 {
                guard counter <= 0xffff, let a = try? IPAddress(parsing: "2001:db8::" + String(counter, radix: 16)) else { return nil }
                address = a
            } else {
                let range = (counter - 1) / 254, host = (counter - 1) % 254 + 1
                guard range < 3, let a = try? IPAddress(parsing: ["192.0.2.", "198.51.100.", "203.0.113."][range] + "\(host)") else { return nil }
                address = a
            }
            if !taken.contains(address) { return address }
        }
    }
}
