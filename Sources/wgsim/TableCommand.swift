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
/// the remaining lines still run, and the exit status is 2. A line holding a NUL byte is such a
/// bad line; a line longer than 64 KiB (or a read error) ends the run with status 2.
struct TableCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "table",
        abstract: "Query and edit a WireGuard allowed-IPs table, one command a line.",
        discussion: """
            Commands: wg set wg0 peer NAME allowed-ips LIST | wg set wg0 peer NAME remove |
            lookup ADDRESS | explain ADDRESS | show | calc LIST - LIST | help. NAME is any label (a node name or a
            base64 key). LIST: "A,B" replaces, "" clears, "+A,-B" changes incrementally.
            Lines may hold at most 65536 bytes and no NUL byte.
            """)

    @Argument(help: "File of commands (default: standard input; a terminal gets a prompt).")
    var file: String?

    @Flag(name: .long, help: "Print lookup, explain and show results as JSON, one object a line.")
    var json = false

    func run() throws {
        let label = file ?? "<stdin>"
        var reader: TableLineReader
        if let file {
            let fd = open(file, O_RDONLY)
            guard fd >= 0 else {
                FileHandleOutput.standardError("wgsim table: cannot read \(file): \(FileProblem.words(errno: errno))\n")
                throw badInputExit
            }
            reader = TableLineReader(descriptor: fd, closes: true)
        } else {
            reader = TableLineReader(descriptor: STDIN_FILENO, closes: false)
        }
        defer { reader.close() }
        let interactive = file == nil && isatty(STDIN_FILENO) != 0
        var session = TableSession(json: json)
        var failed = false
        var lineNumber = 0
        reading: while true {
            if interactive {
                FileHandleOutput.standardOutput("wg0> ")
                fflush(stdout)
            }
            let bytes: [UInt8]
            switch reader.next() {
            case .line(let line): bytes = line
            case .end: break reading
            case .tooLong:
                // The rest of the input cannot be split into lines we trust (and /dev/zero has
                // no end): stop here rather than skip an unbounded amount.
                FileHandleOutput.standardError("\(label):\(lineNumber + 1): line longer than \(TableLineReader.maximumLineLength) "
                                               + "bytes (not a command file?): stopped reading\n")
                failed = true
                break reading
            case .failed(let code):
                FileHandleOutput.standardError("\(label):\(lineNumber + 1): read error: \(FileProblem.words(errno: code))\n")
                failed = true
                break reading
            }
            lineNumber += 1
            if let nul = bytes.firstIndex(of: 0) {
                FileHandleOutput.standardError("\(label):\(lineNumber): NUL byte at column \(nul + 1) (not a text line): not run\n")
                failed = true
                continue
            }
            do {
                let result = try session.execute(String(decoding: bytes, as: UTF8.self), lineNumber: lineNumber)
                for warning in result.warnings { FileHandleOutput.standardError("\(label):\(lineNumber): Warning: \(warning)\n") }
                for output in result.output { FileHandleOutput.standardOutput(output + "\n") }
            } catch let error as TableSession.LineError {
                FileHandleOutput.standardError("\(label):\(lineNumber): \(error.message)\n")
                failed = true
            }
            if interactive { fflush(stdout) }
        }
        if interactive { FileHandleOutput.standardOutput("\n") }
        fflush(stdout)
        if failed { throw badInputExit }
    }
}

/// Reads lines through one fixed buffer with `read(2)` (which returns a terminal's line as soon
/// as it is typed), without the trailing newline and a carriage return before it. A line may
/// hold at most `maximumLineLength` bytes, so no input makes the reader allocate more: `getline`
/// would grow its buffer without limit on /dev/zero.
struct TableLineReader {
    enum Next: Equatable {
        case line([UInt8])
        /// More than `maximumLineLength` bytes without a newline.
        case tooLong
        case end
        /// `read` failed with this errno (e.g. EISDIR).
        case failed(Int32)
    }

    /// 64 KiB: far beyond any command line (a `wg set` with a thousand prefixes is ~40 KB).
    static let maximumLineLength = 1 << 16

    let descriptor: Int32
    let closes: Bool
    private var buffer = [UInt8](repeating: 0, count: 1 << 16)
    private var start = 0, end = 0
    private var finished = false

    init(descriptor: Int32, closes: Bool) {
        self.descriptor = descriptor
        self.closes = closes
    }

    mutating func next() -> Next {
        guard !finished else { return .end }
        var line: [UInt8] = []
        while true {
            if start == end {
                let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
                if count < 0 {
                    if errno == EINTR { continue }
                    finished = true
                    return .failed(errno)
                }
                if count == 0 {
                    finished = true
                    return line.isEmpty ? .end : .line(TableLineReader.trimmed(line))
                }
                (start, end) = (0, count)
            }
            let newline = buffer[start..<end].firstIndex(of: UInt8(ascii: "\n"))
            let stop = newline ?? end
            guard line.count + (stop - start) <= TableLineReader.maximumLineLength else {
                finished = true
                return .tooLong
            }
            line.append(contentsOf: buffer[start..<stop])
            if let newline {
                start = newline + 1
                return .line(TableLineReader.trimmed(line))
            }
            start = end
        }
    }

    private static func trimmed(_ line: [UInt8]) -> [UInt8] {
        line.last == UInt8(ascii: "\r") ? Array(line.dropLast()) : line
    }

    func close() { if closes { closeDescriptor(descriptor) } }
}

// File-scope wrapper: inside TableLineReader, `close` names its own method.
private func closeDescriptor(_ fd: Int32) { _ = close(fd) }

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
    /// The line that last gave each prefix to a peer, to name it when another peer takes it.
    private var claimLines: [IPPrefix: Int] = [:]

    init(json: Bool) { self.json = json }

    /// Runs one command line; `lineNumber` names this line in a warning about a later one.
    mutating func execute(_ line: String, lineNumber: Int = 0) throws -> Result {
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
            if sub == "set" { return try wgSet(Array(arguments.dropFirst()), lineNumber: lineNumber) }
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
        case "calc":
            do {
                let (set, warnings) = try PrefixSet.evaluating(arguments)
                return Result(output: set.isEmpty ? [] : [json ? "{\"prefixes\": [\(set.prefixes.map { jsonString($0.description) }.joined(separator: ", "))]}" : set.description],
                              warnings: warnings)
            } catch let error as PrefixSet.ExpressionError {
                throw LineError(message: "calc: \(error.message)")
            }
        case "help":
            return Result(output: [
                "wg set wg0 peer NAME allowed-ips LIST   replace (A,B), clear (\"\"), or change (+A,-B)",
                "wg set wg0 peer NAME remove             remove the peer and its allowed IPs",
                "lookup ADDRESS                          the peer a packet to ADDRESS goes to",
                "explain ADDRESS                         the same, with every matching prefix and why",
                "show                                    each peer's allowed IPs, in creation order",
                "calc LIST - LIST [+ LIST]…              the smallest prefix list for the result (as wgsim calc)",
            ])
        default:
            throw LineError(message: "unknown command '\(command)' (try 'help')")
        }
    }

    /// Applies a `wg set` line once all of it has parsed (as `wg` does); the table models peers
    /// and their allowed IPs, so other options are refused.
    private mutating func wgSet(_ words: [String], lineNumber: Int) throws -> Result {
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
        var warnings: [String] = []
        for peer in arguments.peers {
            warnings += peer.allowedIPs?.warnings ?? []
            warnings += apply(peer, lineNumber: lineNumber)
        }
        return Result(warnings: warnings)
    }

    /// The kernel's `set_peer` order (§1.11): remove the peer, or create it, replace, then apply
    /// each entry in order. Returns a warning for each entry taken from another peer, as a
    /// scenario run words it (the kernel moves it silently).
    private mutating func apply(_ change: WGSetArguments.Peer, lineNumber: Int) -> [String] {
        if change.remove {
            table.removeAll(for: change.name)
            if peerSet.remove(change.name) != nil { peerOrder.removeAll { $0 == change.name } }
            return []
        }
        if peerSet.insert(change.name).inserted { peerOrder.append(change.name) }
        guard let update = change.allowedIPs else { return [] }
        let moves = update.apply(to: table, peer: change.name)
        let warnings = moves.map { move -> String in
            var text = "\(move.prefix) moves from \(move.previousOwner)"
            if let line = claimLines[move.prefix] { text += " (claimed at line \(line))" }
            text += " to \(change.name)"
            if move.previousOwnerLeftEmpty { text += "; \(move.previousOwner) is left with no allowed IPs" }
            return text
        }
        for case .add(let prefix) in update.changes { claimLines[prefix] = lineNumber }
        return warnings
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
