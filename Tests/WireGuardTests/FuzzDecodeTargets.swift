import Foundation
import Pcap
import WireGuard

/// Fuzz targets for what `wgsim decode` reads: key-log text, key logs embedded in a pcapng
/// Decryption Secrets Block, and the capture decoder over a whole capture. Each returns the
/// properties `data` violates (empty when all hold).
///
/// Shared by the libFuzzer binary (fuzz/build.sh, fuzz/main.swift) and by
/// `FuzzDecodeCorpusReplayTests`, which replays the committed corpora in every `swift test`.
enum FuzzDecodeTargets {
    /// Key-log text (and the same bytes as a pcapng with embedded keys): every line is either an
    /// entry or an ignored line, and the canonical text of the entries reads back to them.
    static func keyLog(_ data: [UInt8]) -> [String] {
        var problems: [String] = []
        checkKeyLog(String(decoding: data, as: UTF8.self), &problems)
        if EmbeddedKeyLog.isPcapng(data) { checkKeyLog(EmbeddedKeyLog.extract(fromPcapng: data), &problems) }
        return problems
    }

    static func checkKeyLog(_ text: String, _ problems: inout [String]) {
        let log = KeyLog(parsing: text)
        let lines = Array(text.utf8).split(separator: 10, omittingEmptySubsequences: false).count
        if log.entries.count + log.ignoredLines.count > lines {
            problems.append("\(log.entries.count) entries and \(log.ignoredLines.count) ignored lines from \(lines) lines")
        }
        for entry in log.entries where entry.key.count != 32 { problems.append("a \(entry.key.count)-byte key") }
        let again = KeyLog(parsing: log.text)
        if again.entries.map(\.kind) != log.entries.map(\.kind) || again.entries.map(\.key) != log.entries.map(\.key) {
            problems.append("key log text does not read back to its entries")
        }
        if !again.ignoredLines.isEmpty { problems.append("canonical key log text has ignored lines") }
    }

    /// A capture with keys: either a pcap/pcapng file on its own (keys from its Decryption
    /// Secrets Blocks, as `wgsim decode` takes them), or key-log text, one NUL byte, then the
    /// capture. Decoding is deterministic, and every JSON line is a JSON object.
    static func decode(_ data: [UInt8]) -> [String] {
        var keyText = ""
        var capture = data
        if !startsLikeCapture(data), let nul = data.firstIndex(of: 0) {
            keyText = String(decoding: data[..<nul], as: UTF8.self)
            capture = Array(data[(nul + 1)...])
        }
        if EmbeddedKeyLog.isPcapng(capture) { keyText = EmbeddedKeyLog.extract(fromPcapng: capture) + keyText }
        let keyLog = KeyLog(parsing: keyText)
        var problems: [String] = []
        let first = decodeAll(capture, keyLog, &problems)
        if let first, decodeAll(capture, keyLog, &problems) != first { problems.append("decoding twice gives different lines") }
        return problems
    }

    static func startsLikeCapture(_ data: [UInt8]) -> Bool {
        guard data.count >= 4 else { return false }
        let magic = Array(data[0..<4])
        let pcapMagics: [[UInt8]] = [[0xd4, 0xc3, 0xb2, 0xa1], [0xa1, 0xb2, 0xc3, 0xd4], [0x4d, 0x3c, 0xb2, 0xa1], [0xa1, 0xb2, 0x3c, 0x4d]]
        return EmbeddedKeyLog.isPcapng(data) || pcapMagics.contains(magic)
    }

    /// The text and JSON lines of every message, or nil if the bytes are not a capture.
    static func decodeAll(_ capture: [UInt8], _ keyLog: KeyLog, _ problems: inout [String]) -> [String]? {
        guard let reader = try? PcapReader(bytes: capture) else { return nil }
        let decoder = CaptureDecoder(keyLog: keyLog)
        _ = decoder.unusedKeyLines
        var lines: [String] = []
        // Bounded: a fuzz input is small, so this ends with EOF or an error long before.
        for _ in 0..<100_000 {
            guard let packet = try? reader.next() else { break }
            guard let message = decoder.decode(frame: packet.frame, ipPacket: packet.bytes) else { continue }
            if message.frame != packet.frame { problems.append("message of frame \(packet.frame) says frame \(message.frame)") }
            lines.append(message.textLine)
            lines.append(message.jsonLine)
            let json = try? JSONSerialization.jsonObject(with: Data(message.jsonLine.utf8))
            if !(json is [String: Any]) { problems.append("JSON line is not a JSON object: \(message.jsonLine)") }
        }
        return lines
    }
}
