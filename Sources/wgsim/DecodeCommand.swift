import ArgumentParser
import Foundation
import Pcap
import Scenario
import WireGuard

/// `wgsim decode PCAP --keys KEYLOG [--json]`: finds every WireGuard message in a capture (any
/// link type the Pcap module reads, IPv4 or IPv6, any UDP port: recognised by shape), and
/// validates handshakes and decrypts transport data where the Wireshark-format key log allows,
/// exactly as Wireshark would. One line per message on standard output; a summary on standard
/// error saying how many messages could not be validated or decrypted.
struct DecodeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decode",
        abstract: "Decode and decrypt the WireGuard messages of a capture with a Wireshark key log.")

    @Argument(help: "Capture file (pcap or pcapng).")
    var capture: String

    @Option(name: .long, help: "Wireshark WireGuard key-log file (LOCAL_STATIC_PRIVATE_KEY=… lines).")
    var keys: String?

    @Flag(name: .long, help: "One JSON object per line instead of text.")
    var json = false

    func run() throws {
        var keyLog = KeyLog()
        // Keys embedded in a pcapng Decryption Secrets Block count first, as in Wireshark.
        if startsLikePcapng(capture), let bytes = FileManager.default.contents(atPath: capture).map(Array.init) {
            let embedded = EmbeddedKeyLog.extract(fromPcapng: bytes)
            if !embedded.isEmpty {
                keyLog = KeyLog(parsing: embedded)
                FileHandleOutput.standardError("wgsim decode: \(capture): using \(keyLog.entries.count) keys from its "
                                               + "Decryption Secrets Block\n")
            }
        }
        if let keys {
            let text: String
            switch DecodeCommand.readKeyLog(keys) {
            case .success(let contents): text = contents
            case .failure(let problem):
                FileHandleOutput.standardError("wgsim decode: \(keys): cannot read the key-log file: \(problem.words)\n")
                throw badInputExit
            }
            let fromFile = KeyLog(parsing: text)
            keyLog.entries += fromFile.entries
            for line in fromFile.ignoredLines {
                FileHandleOutput.standardError("wgsim decode: \(keys):\(line.number): ignored (\(line.reason))\n")
            }
        }
        let decoder = CaptureDecoder(keyLog: keyLog)
        if let keys {
            for line in decoder.unusedKeyLines {
                FileHandleOutput.standardError("wgsim decode: \(keys):\(line.number): ignored (\(line.reason))\n")
            }
        }
        var tally = Tally()
        do {
            let reader = try PcapReader(path: capture)
            while let packet = try reader.next() {
                guard let message = decoder.decode(frame: packet.frame, ipPacket: packet.bytes) else { continue }
                tally.count(message)
                FileHandleOutput.standardOutput((json ? message.jsonLine : message.textLine) + "\n")
            }
        } catch let error as PcapError {
            FileHandleOutput.standardError("wgsim decode: \(error)\n")
            throw badInputExit
        }
        FileHandleOutput.standardError(tally.summary(keysGiven: keys != nil) + "\n")
    }

    /// Why a key log could not be read, in words.
    struct ReadProblem: Error { let words: String }

    /// The most a key log may hold: about four lines of ~100 bytes per handshake, so this is
    /// hundreds of thousands of handshakes, and /dev/zero or a capture given by mistake stops here.
    static let maximumKeyLogBytes = 64 << 20

    /// The key-log file's text, read through a fixed buffer and refused past `maximumKeyLogBytes`.
    static func readKeyLog(_ path: String) -> Result<String, ReadProblem> {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return .failure(ReadProblem(words: FileProblem.words(errno: errno))) }
        defer { _ = close(fd) }
        var contents: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                return .failure(ReadProblem(words: FileProblem.words(errno: errno)))
            }
            if count == 0 { break }
            guard contents.count + count <= maximumKeyLogBytes else {
                return .failure(ReadProblem(words: "larger than \(maximumKeyLogBytes >> 20) MiB, so not a key log"))
            }
            contents.append(contentsOf: chunk[..<count])
        }
        return .success(String(decoding: contents, as: UTF8.self))
    }

    /// Whether the file's first four bytes are pcapng's section header type (read only those).
    private func startsLikePcapng(_ path: String) -> Bool {
        guard let handle = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? handle.close() }
        let head = (try? handle.read(upToCount: 4)).map { Array($0) } ?? []
        return EmbeddedKeyLog.isPcapng(head)
    }

    /// Counts for the closing summary.
    struct Tally {
        var messages = 0, handshakesValid = 0, handshakes = 0, transportsDecrypted = 0, transports = 0, cookies = 0

        mutating func count(_ m: DecodedMessage) {
            messages += 1
            switch m.type {
            case .initiation, .response:
                handshakes += 1
                if m.valid { handshakesValid += 1 }
            case .transport:
                transports += 1
                if m.valid { transportsDecrypted += 1 }
            case .cookieReply:
                cookies += 1
            }
        }

        func summary(keysGiven: Bool) -> String {
            var s = "wgsim decode: \(messages) WireGuard messages; handshake messages validated \(handshakesValid)/\(handshakes); "
                + "transport messages decrypted \(transportsDecrypted)/\(transports)"
            if cookies > 0 { s += "; \(cookies) cookie replies (not decrypted)" }
            if !keysGiven && transportsDecrypted + handshakesValid == 0 { s += " (no --keys given)" }
            return s
        }
    }
}
