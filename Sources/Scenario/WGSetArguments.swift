import Routing

/// The words after `wg set` read as wg(8) reads them [tools src/config.c `config_read_cmd`]:
/// `INTERFACE [listen-port P] [fwmark F] [private-key FILE] [peer KEY [remove] [allowed-ips LIST]
/// [endpoint HOST:PORT] [persistent-keepalive N|off] [preshared-key FILE]]…`. Device options come
/// before the first `peer`; every later option belongs to the peer named last.
///
/// The one `wg set` reader: scenario events (`CommandLineParser`) resolve the peer names,
/// endpoints and key files it hands back, and `wgsim table` uses the peers' allowed IPs. Each
/// caller refuses the options it does not model and words the refusal itself.
public struct WGSetArguments {
    /// One `peer` part, its values as written except where noted.
    public struct Peer {
        /// The word after `peer`: a key, or whatever name the caller accepts.
        public var name: String
        public var remove = false
        /// Every `allowed-ips` value given for this peer, combined in order: their entries
        /// concatenated, and "replace" as the last value sets it (each value sets the flag
        /// afresh; `+`/`-` entries clear it [tools src/config.c `parse_allowedips`]). nil when
        /// none was given.
        public var allowedIPs: AllowedIPsUpdate?
        /// The `allowed-ips` values as written, joined by a space (for logs and docs).
        public var allowedIPsText: String?
        public var endpoint: String?
        /// Seconds, checked: `off` is 0.
        public var persistentKeepalive: Int?
        public var presharedKey: String?
    }

    /// A word that is not `wg set` as wg(8) takes it; `message` says which and why.
    public struct Problem: Error, Equatable {
        public let message: String
    }

    public var interface: String
    /// The device options given (`listen-port`, `fwmark`, `private-key`), in order.
    public var deviceOptions: [String] = []
    public var peers: [Peer] = []

    static let deviceOptionNames: Set<String> = ["listen-port", "fwmark", "private-key"]
    static let peerOptionNames: Set<String> = ["remove", "allowed-ips", "endpoint", "persistent-keepalive", "preshared-key"]

    /// `words` are those after `wg set`, starting with the interface name.
    public init(parsing words: [String]) throws {
        guard let interface = words.first, !interface.isEmpty else {
            throw Problem(message: "`wg set` needs the interface name, e.g. `wg set wg0 peer NAME allowed-ips LIST`")
        }
        self.interface = interface
        var i = 1
        func value(after option: String) throws -> String {
            guard i + 1 < words.count else { throw Problem(message: "'\(option)' needs a value") }
            i += 1
            return words[i]
        }
        while i < words.count {
            let word = words[i]
            if word == "peer" {
                let name = try value(after: word)
                guard !name.isEmpty else { throw Problem(message: "'peer' needs a name") }
                peers.append(Peer(name: name))
            } else if WGSetArguments.deviceOptionNames.contains(word) {
                guard peers.isEmpty else { throw Problem(message: "'\(word)' must come before the first 'peer'") }
                _ = try value(after: word)
                deviceOptions.append(word)
            } else if WGSetArguments.peerOptionNames.contains(word) {
                guard !peers.isEmpty else { throw Problem(message: "'\(word)' must follow 'peer NAME'") }
                try readPeerOption(word, into: &peers[peers.count - 1], value: { try value(after: word) })
            } else {
                throw Problem(message: "unknown option '\(word)' (wg set takes listen-port, fwmark, private-key, peer, "
                                       + "remove, allowed-ips, endpoint, persistent-keepalive, preshared-key)")
            }
            i += 1
        }
        guard !peers.isEmpty || !deviceOptions.isEmpty else {
            throw Problem(message: "`wg set \(interface)` needs `peer NAME …`")
        }
    }

    private func readPeerOption(_ option: String, into peer: inout Peer, value: () throws -> String) throws {
        switch option {
        case "remove":
            peer.remove = true
        case "allowed-ips":
            let text = try value()
            let update: AllowedIPsUpdate
            do { update = try AllowedIPsUpdate(parsing: text) } catch {
                throw Problem(message: "allowed-ips '\(text)': \(error)")
            }
            if let earlier = peer.allowedIPs {
                peer.allowedIPs = AllowedIPsUpdate(replacesExisting: update.replacesExisting,
                                                   changes: earlier.changes + update.changes,
                                                   warnings: earlier.warnings + update.warnings)
                peer.allowedIPsText = (peer.allowedIPsText ?? "") + " " + text
            } else {
                peer.allowedIPs = update
                peer.allowedIPsText = text
            }
        case "endpoint":
            peer.endpoint = try value()
        case "persistent-keepalive":
            let text = try value()
            if text == "off" {
                peer.persistentKeepalive = 0
            } else {
                guard let seconds = Int(text), (0...65535).contains(seconds) else {
                    throw Problem(message: "persistent-keepalive must be 'off' or 0 to 65535 seconds, not '\(text)'")
                }
                peer.persistentKeepalive = seconds
            }
        default:   // "preshared-key"
            peer.presharedKey = try value()
        }
    }
}
