import ArgumentParser
import Routing
import Scenario
import WireGuard
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `wgsim table [FILE] [--json]` — a playground and scripting interface for one wg0's cryptokey
/// routing table. Reads commands one a line from FILE or standard input, split into words as a
/// POSIX shell would (`ShellWords`: quotes, backslashes, `#` comments) and `wg set` read by the
/// scenarios' reader (`WGSetArguments`):
/// `wg set wg0 peer NAME allowed-ips LIST` (replace, `""` clears, `+A,-B` incremental),
/// `wg set wg0 peer NAME remove`, `lookup ADDRESS`, `explain ADDRESS`, `show` (also
/// `wg show [wg0] [allowed-ips]`), `help`. A bad line prints `FILE:LINE: message` on standard error,
/// the remaining lines still run, and the exit status is 2.
struct TableCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "table",
        abstract: "Query and edit a WireGuard allowed-IPs table, one command a line.",
        discussion: """
            Commands: wg set wg0 peer NAME allowed-ips LIST | wg set wg0 peer NAME remove |
            lookup ADDRESS | explain ADDRESS | show | help. NAME is any label (a node name or a
            base64 key). LIST: "A,B" replaces, "" clears, "+A,-B" changes incrementally.
            """)

    @Argument(help: "File of commands (default: standard input; a terminal gets a prompt).")
    var file: String?

    @Flag(name: .long, help: "Print lookup, explain and show results as JSON, one object a line.")
    var json = false

    func run() throws {
        let label = file ?? "<stdin>"
        var reader: TableLineReader
        if let file {
            guard let handle = fopen(file, "r") else {
                FileHandleOutput.standardError("wgsim table: cannot read \(file): \(String(cString: strerror(errno)))\n")
                throw badInputExit
            }
            reader = TableLineReader(handle: handle, closes: true)
        } else {
            reader = TableLineReader(handle: stdin, closes: false)
        }
        defer { reader.close() }
        let interactive = file == nil && isatty(STDIN_FILENO) != 0
        var session = TableSession(json: json)
        var failed = false
        var lineNumber = 0
        while true {
            if interactive {
                FileHandleOutput.standardOutput("wg0> ")
                fflush(stdout)
            }
            guard let line = reader.next() else { break }
            lineNumber += 1
            do {
                let result = try session.execute(line)
                for warning in result.warnings { FileHandleOutput.standardError("\(label):\(lineNumber): Warning: \(warning)\n") }
                for output in result.output { FileHandleOutput.standardOutput(output + "\n") }
            } catch let error as TableSession.LineError {
                FileHandleOutput.standardError("\(label):\(lineNumber): \(error.message)\n")
                failed = true
            }
            if interactive { fflush(stdout) }
        }
        if interactive { FileHandleOutput.standardOutput("\n") }
        if reader.failed {
            FileHandleOutput.standardError("\(label):\(lineNumber + 1): read error: \(String(cString: strerror(errno)))\n")
            failed = true
        }
        fflush(stdout)
        if failed { throw badInputExit }
    }
}

/// Reads lines with `getline`, without the trailing newline (and a carriage return before it).
struct TableLineReader {
    let handle: UnsafeMutablePointer<FILE>
    let closes: Bool
    private(set) var failed = false

    init(handle: UnsafeMutablePointer<FILE>, closes: Bool) {
        self.handle = handle
        self.closes = closes
    }

    mutating func next() -> String? {
        var buffer: UnsafeMutablePointer<CChar>? = nil
        var capacity = 0
        defer { free(buffer) }
        let length = getline(&buffer, &capacity, handle)
        guard length >= 0, let buffer else {
            failed = ferror(handle) != 0
            return nil
        }
        var bytes = UnsafeRawBufferPointer(start: buffer, count: length).map { $0 }
        if bytes.last == UInt8(ascii: "\n") { bytes.removeLast() }
        if bytes.last == UInt8(ascii: "\r") { bytes.removeLast() }
        return String(decoding: bytes, as: UTF8.self)
    }

    func close() { if closes { fclose(handle) } }
}

/// The state of one `wgsim table` run: the table, and the peers in creation order (the order
/// `wg show` lists them, §1.10).
struct TableSession {
    struct LineError: Error { let message: String }
    struct Result {
        var output: [String] = []
        var warnings: [String] = []
    }

    /// The kernel's `MAX_PEERS_PER_DEVICE` [compat src/messages.h].
    static let maximumPeers = 1 << 20

    let json: Bool
    let table = AllowedIPs<String>()
    private(set) var peerOrder: [String] = []
    private var peerSet: Set<String> = []

    init(json: Bool) { self.json = json }

    mutating func execute(_ line: String) throws -> Result {
        let words: [String]
        switch ShellWords.split(line) {
        case .success(let split): words = split
        case .failure(let problem): throw LineError(message: problem.reason)
        }
        guard let command = words.first else { return Result() }
        let arguments = Array(words.dropFirst())
        switch command {
        case "wg":
            guard let sub = arguments.first else { throw LineError(message: "'wg' needs 'set' or 'show'") }
            if sub == "set" { return try wgSet(Array(arguments.dropFirst())) }
            // `wg show`, `wg show wg0`, `wg show wg0 allowed-ips`
            let showArguments = arguments.dropFirst(2)
            if sub == "show", showArguments.isEmpty || showArguments == ["allowed-ips"] { return show() }
            throw LineError(message: "unsupported: 'wg \(arguments.joined(separator: " "))' (try 'wg set' or 'wg show wg0 allowed-ips')")
        case "lookup", "explain":
            guard arguments.count == 1 else { throw LineError(message: "usage: \(command) ADDRESS") }
            let address: IPAddress
            do { address = try IPAddress(parsing: arguments[0]) } catch {
                throw LineError(message: "\(error)")
            }
            return query(address, explaining: command == "explain")
        case "show":
            guard arguments.isEmpty else { throw LineError(message: "usage: show") }
            return show()
        case "help":
            return Result(output: [
                "wg set wg0 peer NAME allowed-ips LIST   replace (A,B), clear (\"\"), or change (+A,-B)",
                "wg set wg0 peer NAME remove             remove the peer and its allowed IPs",
                "lookup ADDRESS                          the peer a packet to ADDRESS goes to",
                "explain ADDRESS                         the same, with every matching prefix and why",
                "show                                    each peer's allowed IPs, in creation order",
            ])
        default:
            throw LineError(message: "unknown command '\(command)' (try 'help')")
        }
    }

    /// Applies a `wg set` line once all of it has parsed (as `wg` does); the table models peers
    /// and their allowed IPs, so other options are refused.
    private mutating func wgSet(_ words: [String]) throws -> Result {
        let arguments: WGSetArguments
        do { arguments = try WGSetArguments(parsing: words) } catch let problem as WGSetArguments.Problem {
            throw LineError(message: problem.message)
        }
        let unmodelled = arguments.deviceOptions.first ?? arguments.peers.lazy.compactMap { peer in
            peer.endpoint != nil ? "endpoint" : peer.persistentKeepalive != nil ? "persistent-keepalive"
                : peer.presharedKey != nil ? "preshared-key" : nil
        }.first
        if let option = unmodelled {
            throw LineError(message: "unsupported option '\(option)' for \(arguments.interface): the table models only 'peer NAME', 'allowed-ips' and 'remove'")
        }
        let newPeers = Set(arguments.peers.filter { !$0.remove }.map(\.name)).subtracting(peerSet).count
        guard peerOrder.count + newPeers <= TableSession.maximumPeers else {
            throw LineError(message: "too many peers: a device holds at most \(TableSession.maximumPeers)")
        }
        for peer in arguments.peers { apply(peer) }
        return Result(warnings: arguments.peers.flatMap { $0.allowedIPs?.warnings ?? [] })
    }

    /// The kernel's `set_peer` order (§1.11): remove the peer, or create it, replace, then apply
    /// each entry in order.
    private mutating func apply(_ change: WGSetArguments.Peer) {
        if change.remove {
            table.removeAll(for: change.name)
            if peerSet.remove(change.name) != nil { peerOrder.removeAll { $0 == change.name } }
            return
        }
        if peerSet.insert(change.name).inserted { peerOrder.append(change.name) }
        change.allowedIPs?.apply(to: table, peer: change.name)
    }

    private func query(_ address: IPAddress, explaining: Bool) -> Result {
        let explanation = table.explanation(for: address)
        if json {
            let candidates = explanation.candidates.map { "{\"prefix\": \(jsonString($0.prefix.description)), \"peer\": \(jsonString($0.peer))}" }
            let peer = explanation.winner.map { jsonString($0.peer) } ?? "null"
            let prefix = explanation.winner.map { jsonString($0.prefix.description) } ?? "null"
            return Result(output: ["{\"address\": \(jsonString(address.description)), \"peer\": \(peer), \"prefix\": \(prefix), \"candidates\": [\(candidates.joined(separator: ", "))]}"])
        }
        if explaining { return Result(output: explanation.lines { $0 }) }
        guard let winner = explanation.winner else { return Result(output: ["\(address) -> (none)"]) }
        return Result(output: ["\(address) -> \(winner.peer) via \(winner.prefix)"])
    }

    private func show() -> Result {
        Result(output: peerOrder.map { peer in
            let prefixes = table.prefixes(of: peer).map(\.description)
            if json {
                return "{\"peer\": \(jsonString(peer)), \"allowed-ips\": [\(prefixes.map(jsonString).joined(separator: ", "))]}"
            }
            return "\(peer)\t\(prefixes.isEmpty ? "(none)" : prefixes.joined(separator: " "))"
        })
    }
}
