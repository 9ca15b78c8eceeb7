import Routing
import Sim
import WireGuard

/// Reads a wg-quick `.conf` file into a node's wg0: `[Interface]` PrivateKey, ListenPort,
/// Address, MTU; `[Peer]` PublicKey (or `@NODE`), PresharedKey, AllowedIPs (several lines
/// accumulate), Endpoint, PersistentKeepalive.
///
/// As in wg(8)'s config.c and wg-quick, section and key names are case-insensitive, `#` starts a
/// comment and list values are comma-separated. wg-quick keys that change nothing a simulation
/// sees (DNS, FwMark, SaveConfig, Pre/PostUp/Down) are accepted and have no effect; any other key
/// is an error naming the file and line.
enum WgQuickConfig {
    private static let ignoredInterfaceKeys: Set<String> = ["dns", "fwmark", "saveconfig", "preup", "postup", "predown", "postdown"]

    static func parse(_ text: String, file: String, nodeNames: Set<String>, directory: String) throws -> WireGuardInterface {
        var interface = WireGuardInterface()
        var sawInterface = false
        var section: String? = nil
        var privateKeySeen = false
        var currentPeer: WireGuardPeer? = nil
        var peers: [WireGuardPeer] = []
        var peerHasKey = false

        func finishPeer(_ line: Int) throws {
            if let p = currentPeer {
                guard peerHasKey else { throw ScenarioError(file: file, line: p.location.line, "[Peer] needs a PublicKey") }
                peers.append(p)
            }
            currentPeer = nil
            peerHasKey = false
        }

        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let lineNumber = index + 1
            let location = SourceLocation(file: file, line: lineNumber)
            var line = String(rawLine)
            if let hash = line.firstIndex(of: "#") { line = String(line[..<hash]) }
            line = line.trimmingSpaces
            if line.isEmpty { continue }
            if line.hasPrefix("[") {
                guard line.hasSuffix("]") else { throw location.error("a section header is [Interface] or [Peer]") }
                let name = line.dropFirst().dropLast().trimmingSpaces.lowercased()
                try finishPeer(lineNumber)
                switch name {
                case "interface":
                    guard !sawInterface else { throw location.error("a second [Interface] section") }
                    sawInterface = true
                    section = "interface"
                case "peer":
                    section = "peer"
                    currentPeer = WireGuardPeer(peer: .node(""), location: location)
                default: throw location.error("unknown section [\(name)]: expected [Interface] or [Peer]")
                }
                continue
            }
            guard let eq = line.firstIndex(of: "=") else { throw location.error("expected `Key = Value`") }
            let key = line[..<eq].trimmingSpaces.lowercased()
            let value = line[line.index(after: eq)...].trimmingSpaces
            let parser = CommandLineParser(nodeNames: nodeNames, directory: directory, location: location)
            switch section {
            case "interface":
                switch key {
                case "privatekey":
                    guard !privateKeySeen else { throw location.error("PrivateKey given twice") }
                    privateKeySeen = true
                    do { interface.privateKey = try PrivateKey(base64: value) } catch {
                        throw location.error("PrivateKey: not a valid base64 key (\(error))")
                    }
                case "listenport":
                    guard let port = UInt16(value) else { throw location.error("ListenPort must be 0 to 65535, not '\(value)'") }
                    interface.listenPort = port
                case "address":
                    for item in commaList(value) {
                        do { interface.addresses.append(try InterfaceAddress(parsing: item)) } catch {
                            throw location.error("Address '\(item)': \(error)")
                        }
                    }
                case "mtu":
                    guard let mtu = Int(value), (576...65535).contains(mtu) else {
                        throw location.error("MTU must be from 576 to 65535, not '\(value)'")
                    }
                    interface.mtu = mtu
                case let k where ignoredInterfaceKeys.contains(k):
                    continue
                default:
                    throw location.error("unknown [Interface] key '\(line[..<eq].trimmingSpaces)' (expected PrivateKey, ListenPort, Address, MTU)")
                }
            case "peer":
                guard var peer = currentPeer else { continue }
                switch key {
                case "publickey":
                    guard !peerHasKey else { throw location.error("PublicKey given twice in one [Peer]") }
                    if value.hasPrefix("@") {
                        let name = String(value.dropFirst())
                        guard nodeNames.contains(name) else { throw location.error("PublicKey = @\(name): no node named '\(name)' in the scenario") }
                        peer.peer = .node(name)
                    } else {
                        do { peer.peer = .key(try PublicKey(base64: value)) } catch {
                            throw location.error("PublicKey: not a valid base64 key (\(error)); write `@NODE` to name a simulated node")
                        }
                    }
                    peerHasKey = true
                case "presharedkey":
                    do { peer.presharedKey = try PresharedKey(base64: value) } catch {
                        throw location.error("PresharedKey: not a valid base64 key (\(error))")
                    }
                case "allowedips":
                    for item in commaList(value) {
                        let entry: IPPrefix
                        do { entry = try IPPrefix(parsing: item) } catch {
                            throw location.error("AllowedIPs '\(item)': \(error)")
                        }
                        peer.allowedIPs.append(entry)
                        peer.allowedIPLocations.append(location)
                        if let warning = AllowedIPsUpdate.hostBitsWarning(item, prefix: entry) {
                            peer.warnings.append(ScenarioWarning(location: location, message: warning))
                        }
                    }
                case "endpoint":
                    peer.endpoint = try parser.endpoint(value)
                case "persistentkeepalive":
                    if value.lowercased() == "off" { peer.persistentKeepalive = 0 } else {
                        guard let n = Int(value), (0...65535).contains(n) else {
                            throw location.error("PersistentKeepalive must be 'off' or 0 to 65535, not '\(value)'")
                        }
                        peer.persistentKeepalive = n
                    }
                default:
                    throw location.error("unknown [Peer] key '\(line[..<eq].trimmingSpaces)' (expected PublicKey, PresharedKey, AllowedIPs, Endpoint, PersistentKeepalive)")
                }
                currentPeer = peer
            default:
                throw location.error("`\(line[..<eq].trimmingSpaces)` before any [Interface] or [Peer] section")
            }
        }
        try finishPeer(0)
        guard sawInterface else { throw ScenarioError(file: file, line: 1, "no [Interface] section") }
        interface.peers = peers
        return interface
    }

    static func commaList(_ value: String) -> [String] {
        value.split(separator: ",").map { String($0).trimmingSpaces }.filter { !$0.isEmpty }
    }
}
