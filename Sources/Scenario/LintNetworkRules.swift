import Routing
import Sim
import WireGuard

/// The rules that need a whole network of wg-quick files (N1–N8 of docs/lint.md): a node per
/// file, found by the public key of its PrivateKey; an edge A→B for each `[Peer]` of A whose
/// PublicKey is B's. The static rules read the files; the behavioural ones (a packet dropped by
/// the source check, a hub that does not pass traffic on, a tunnel looping into itself) are
/// decided by running the network in the simulator, as `wgsim run` would, so that lint and
/// simulation cannot disagree.
enum LintNetworkRules {
    /// The findings, and a line for standard error when the simulation could not be run.
    static func check(_ configs: [LintConfig], name: String, origin: String) -> (findings: [LintFinding], notes: [String]) {
        var out: [LintFinding] = []
        // N7 and the node of each public key.
        var owner: [PublicKey: Int] = [:]
        var publicKeys: [PublicKey?] = []
        for (index, config) in configs.enumerated() {
            let key = config.interface.privateKey?.publicKey
            publicKeys.append(key)
            guard let key else { continue }
            if let other = owner[key] {
                out.append(LintFinding(.sharedPrivateKey, at: config.location(config.interface.privateKeyLine ?? 1),
                    "the same PrivateKey as \(configs[other].name): the two machines are one WireGuard identity, and their peers send to whichever of them spoke last",
                    fix: "make a new key for one of them (`wg genkey`) and give its public key to its peers",
                    related: configs[other].location(configs[other].interface.privateKeyLine ?? 1)))
            } else {
                owner[key] = index
            }
        }
        let privateTexts = Dictionary(configs.enumerated().compactMap { i, c in c.interface.privateKeyText.map { ($0, i) } }, uniquingKeysWith: { a, _ in a })
        func target(_ peer: LintPeer) -> Int? { peer.publicKey.flatMap { owner[$0] } }
        func peer(of node: Int, for other: Int) -> LintPeer? {
            guard let key = publicKeys[other] else { return nil }
            return configs[node].peers.first { $0.publicKey == key }
        }

        for (a, config) in configs.enumerated() {
            for p in config.peers {
                if let text = p.publicKeyText, let b = privateTexts[text] {
                    out.append(LintFinding(.unknownPeer, at: config.location(p.publicKeyLine),
                        "this PublicKey is the PrivateKey of \(configs[b].name): a private key was pasted where the public key belongs",
                        fix: "use `wg pubkey` on that private key, and make a new private key: this one is no longer secret",
                        related: configs[b].location(configs[b].interface.privateKeyLine ?? 1)))
                    continue
                }
                guard let b = target(p), b != a else { continue }
                let back = peer(of: b, for: a)
                // N1
                guard let back else {
                    out.append(LintFinding(.unknownPeer, at: config.location(p.publicKeyLine),
                        "this is \(configs[b].name), which has no [Peer] with this file's public key: it drops every handshake from here",
                        fix: "add a [Peer] for this machine to \(configs[b].name) with PublicKey = \(publicKeys[a]?.base64 ?? "this file's public key")",
                        related: configs[b].location(configs[b].interface.section?.line ?? 1)))
                    continue
                }
                guard a < b else { continue }
                // N8
                if p.presharedKeyText != back.presharedKeyText {
                    let message = p.presharedKeyText == nil || back.presharedKeyText == nil
                        ? "only one side of the tunnel with \(configs[b].name) has a PresharedKey: the handshake fails on the initiator's side after the response"
                        : "the PresharedKey here differs from the one \(configs[b].name) has for this machine: every handshake fails"
                    out.append(LintFinding(.pskMismatch, at: config.location(p.section.last("PresharedKey")?.line ?? p.section.line), message,
                        fix: "give both [Peer] sections the same PresharedKey (`wg genpsk`), or remove it from both",
                        related: configs[b].location(back.section.last("PresharedKey")?.line ?? back.section.line)))
                }
                // S16 seen from both ends: after an address change neither side can find the other.
                if case .host? = p.endpoint, case .host? = back.endpoint, let line = p.endpointLine {
                    out.append(LintFinding(.dynamicEndpoint, .warning, at: config.location(line),
                        "both this file and \(configs[b].name) reach each other by host name only: when both addresses change, neither side can start again",
                        fix: "give one side a fixed address, or re-resolve the names periodically (wireguard-tools contrib/reresolve-dns)",
                        related: back.endpointLine.map(configs[b].location)))
                }
                // N5
                if p.section.last("Endpoint") == nil, back.section.last("Endpoint") == nil {
                    out.append(LintFinding(.noInitiator, at: config.location(p.section.line),
                        "neither this file nor \(configs[b].name) has an Endpoint for the other: no side can start a handshake",
                        fix: "give the side that can be reached (fixed address, open port) an Endpoint in the other's [Peer]",
                        related: configs[b].location(back.section.line)))
                }
            }
        }
        // N5: the port an Endpoint names against the port the other side listens on.
        for (a, config) in configs.enumerated() {
            for p in config.peers {
                guard let b = target(p), b != a, let line = p.endpointLine, let endpoint = p.endpoint else { continue }
                // S8 seen from both ends: only this side can start, and nothing keeps its NAT mapping open.
                if let back = peer(of: b, for: a), back.endpoint == nil, (p.keepalive ?? 0) == 0 {
                    out.append(LintFinding(.keepalive, .warning, at: config.location(line),
                        "only this side can start the tunnel with \(configs[b].name) (it has no Endpoint for this machine) and there is no PersistentKeepalive: \(configs[b].name) reaches this machine only while a NAT mapping from its last packet lasts",
                        fix: "add PersistentKeepalive = 25 to this [Peer] if this machine is behind NAT and must be reachable"))
                }
                let port: UInt16
                switch endpoint {
                case .address(let e): port = e.port
                case .host(_, let q): port = q
                case .node: continue
                }
                if let listen = configs[b].interface.listenPort, listen != Int(port) {
                    out.append(LintFinding(.noInitiator, .warning, at: config.location(line),
                        "the Endpoint's port \(port) is not the ListenPort \(listen) of \(configs[b].name): handshakes go to a port nobody listens on (unless a port forward maps it)",
                        fix: "use port \(listen), or forward port \(port) to it",
                        related: configs[b].location(configs[b].interface.listenPortLine ?? 1)))
                } else if configs[b].interface.listenPort == nil, peer(of: b, for: a)?.endpoint == nil {
                    out.append(LintFinding(.noInitiator, at: config.location(line),
                        "\(configs[b].name) has no ListenPort, so it listens on a random port, and it has no Endpoint for this machine: only it could start, and it cannot",
                        fix: "set ListenPort = \(port) in \(configs[b].name)",
                        related: configs[b].location(configs[b].interface.section?.line ?? 1)))
                }
            }
        }
        // N3
        var addressOwner: [IPAddress: (file: Int, line: Int)] = [:]
        for (index, config) in configs.enumerated() {
            for entry in config.interface.addresses {
                if let other = addressOwner[entry.address.address], other.file != index {
                    out.append(LintFinding(.addressCollision, at: config.location(entry.line),
                        "\(entry.address.address) is also the Address of \(configs[other.file].file): peers cannot tell the two machines apart",
                        fix: "give each machine its own tunnel address",
                        related: configs[other.file].location(other.line)))
                } else {
                    addressOwner[entry.address.address] = (index, entry.line)
                }
            }
        }
        // N6: at one node, two different machines' networks overlap.
        for config in configs {
            let table = LintFileRules.Table(config)
            for p in config.peers {
                for entry in p.allowedIPs where entry.prefix.length > 0 {
                    guard let wider = table.enclosing(entry.prefix), wider.peer != p.index, wider.prefix.length > 0,
                          LintFileRules.isPrivate(wider.prefix), wider.prefix.length <= 30, entry.prefix.length <= 30,
                          let t1 = target(p), let t2 = target(config.peers[wider.peer]), t1 != t2 else { continue }
                    out.append(LintFinding(.overlappingLANs, at: config.location(entry.line),
                        "\(entry.prefix) behind \(configs[t1].name) overlaps \(wider.prefix) behind \(configs[t2].name): this node sends the overlap to \(configs[t1].name) only, so those addresses at the other site cannot be reached",
                        fix: "renumber one site, or map it to a unique prefix (NETMAP), e.g. \(entry.prefix) to a free 10.x range",
                        related: config.location(wider.line)))
                }
            }
        }
        let (simulated, notes) = simulate(configs, name: name, origin: origin)
        return (out + simulated, notes)
    }

    /// Runs the assembled network (its default pings) and turns the drops into findings.
    static func simulate(_ configs: [LintConfig], name: String, origin: String) -> (findings: [LintFinding], notes: [String]) {
        let scenario: Scenario
        do {
            scenario = try NetworkAssembly.assemble(files: configs.map { ($0.file, $0.text) }, name: name, origin: origin)
        } catch let error as ScenarioError {
            return ([], ["the network was not simulated (\(error)); rules decided by simulation (source-check-drop, hub-no-transit, routing loops) were skipped"])
        } catch {
            return ([], ["the network was not simulated (\(error))"])
        }
        var records: [(node: String, action: Action, src: IPAddress?, dst: IPAddress?, peer: String?)] = []
        do {
            let run = try ScenarioRun(scenario, keepDecisions: false)
            run.onDecision = { record in
                switch record.action {
                case .droppedSrcNotAllowed, .droppedRoutingLoop, .droppedNoPeer:
                    records.append((record.node, record.action, record.src, record.dst, record.peer))
                default: break
                }
            }
            run.run()
            _ = run.finish()
        } catch {
            return ([], ["the network was not simulated (\(error))"])
        }
        var nodeIndex: [String: Int] = [:]
        for (index, config) in configs.enumerated() { nodeIndex[NetworkAssembly.stem(of: config.file)] = index }
        func addressOwner(_ address: IPAddress?) -> Int? {
            guard let address else { return nil }
            return configs.firstIndex { $0.interface.addresses.contains { $0.address.address == address } }
        }
        func peerSection(in node: Int, for other: Int) -> LintPeer? {
            guard let key = configs[other].interface.privateKey?.publicKey else { return nil }
            return configs[node].peers.first { $0.publicKey == key }
        }
        var out: [LintFinding] = []
        var seen = Set<String>()
        for r in records {
            guard let at = nodeIndex[r.node] else { continue }
            let config = configs[at]
            let src = r.src.map { "\($0)" } ?? "?"
            let dst = r.dst.map { "\($0)" } ?? "?"
            // One finding per node, sender and source (or, for a drop without a peer, destination).
            let key = "\(r.action.rawValue) \(r.node) \(src) \(r.peer ?? "") " + (r.action == .droppedSrcNotAllowed ? "" : dst)
            guard seen.insert(key).inserted else { continue }
            switch r.action {
            case .droppedSrcNotAllowed:
                guard let from = r.peer.flatMap({ nodeIndex[$0] }), let section = peerSection(in: at, for: from) else { continue }
                let origin = addressOwner(r.src)
                let allowed = section.allowedIPs.map(\.text).joined(separator: ", ")
                if let origin, origin != from {
                    out.append(LintFinding(.hubNoTransit, at: config.location(section.section.line),
                        "a packet from \(src) (\(configs[origin].name)) to \(dst) arrives through \(configs[from].name), whose [Peer] here allows only \(allowed.isEmpty ? "nothing" : allowed): it is dropped after decryption, so traffic through that node does not reach this node",
                        fix: "add \(src)/\(r.src!.bitWidth) (or the whole tunnel subnet) to AllowedIPs of this [Peer]",
                        related: configs[origin].location(configs[origin].interface.addresses.first { $0.address.address == r.src }?.line ?? 1)))
                } else {
                    out.append(LintFinding(.sourceCheckDrop, at: config.location(section.section.line),
                        "\(configs[from].name) sends from \(src), but this [Peer] for it allows only \(allowed.isEmpty ? "nothing" : allowed): its packets (to \(dst) and on) are dropped after decryption (source check)",
                        fix: "put \(src)/\(r.src!.bitWidth) in this [Peer]'s AllowedIPs, or correct the Address of \(configs[from].name)",
                        related: origin.flatMap { o in configs[o].interface.addresses.first { $0.address.address == r.src }.map { configs[o].location($0.line) } }))
                }
            case .droppedNoPeer:
                // Only transit traffic: a node dropping its own packets is the pinger's own table (other rules).
                guard let origin = addressOwner(r.src), origin != at, let destination = addressOwner(r.dst) else { continue }
                out.append(LintFinding(.hubNoTransit, at: config.location(config.interface.section?.line ?? 1),
                    "\(configs[origin].name) sends traffic for \(dst) (\(configs[destination].name)) through this node, but no [Peer] here has \(dst) in its AllowedIPs: the packet is dropped here",
                    fix: "add \(dst)/\(r.dst!.bitWidth) to the AllowedIPs of this file's [Peer] for \(configs[destination].name), or have \(configs[origin].name) reach it directly",
                    related: configs[destination].location(configs[destination].interface.addresses.first { $0.address.address == r.dst }?.line ?? 1)))
            case .droppedRoutingLoop:
                guard let peer = config.peers.first(where: { $0.endpointLine != nil }) else { continue }
                out.append(LintFinding(.endpointInAllowedIPs, at: config.location(peer.endpointLine!),
                    "the simulation shows the tunnel's own UDP routed back into the tunnel at \(NetworkAssembly.stem(of: config.file)) (a routing loop): an endpoint is inside the AllowedIPs",
                    fix: "leave the endpoint's address out of AllowedIPs, or route it via the underlay"))
            default: break
            }
        }
        return (out, [])
    }
}
