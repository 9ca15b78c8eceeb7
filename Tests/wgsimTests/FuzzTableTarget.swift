import Foundation
@testable import wgsim
#if canImport(Glibc)
import Glibc
#endif

/// Fuzz target for `wgsim table`: the input is a command file, read with the command's own line
/// reader (over `fmemopen`) and run line by line in a text and a JSON session. A bad line may
/// only be a `LineError`; both sessions accept and refuse the same lines; every JSON output line
/// (all but `help`'s) is a JSON object. Returns the properties violated (empty when all hold).
///
/// Shared by the libFuzzer binary (fuzz/build.sh, fuzz/main.swift) and by
/// `FuzzTableCorpusReplayTests`, which replays the committed corpus in every `swift test`.
enum FuzzTableTarget {
    static func run(_ data: [UInt8]) -> [String] {
        var problems: [String] = []
        var text = TableSession(json: false), json = TableSession(json: true)
        // fmemopen refuses a size of 0; an empty file has no lines anyway.
        guard !data.isEmpty else { return [] }
        var copy = data
        copy.withUnsafeMutableBytes { buffer in
            guard let handle = fmemopen(buffer.baseAddress, buffer.count, "r") else {
                return problems.append("fmemopen failed")
            }
            var reader = TableLineReader(handle: handle, closes: true)
            defer { reader.close() }
            var number = 0
            while let line = reader.next() {
                number += 1
                let plain = execute(&text, line, &problems)
                let structured = execute(&json, line, &problems)
                if (plain == nil) != (structured == nil) { problems.append("line \(number): text and JSON sessions disagree") }
                // `help` prints its text in both modes.
                let isHelp = (try? TableSession.tokenize(line))?.first == "help"
                for output in structured ?? [] where !isHelp {
                    let object = try? JSONSerialization.jsonObject(with: Data(output.utf8))
                    if !(object is [String: Any]) { problems.append("line \(number): JSON output is not an object: \(output)") }
                }
            }
            if reader.failed { problems.append("read error from memory") }
        }
        if text.peerOrder != json.peerOrder { problems.append("text and JSON sessions hold different peers") }
        return problems
    }

    /// The line's output, or nil for a refused line.
    static func execute(_ session: inout TableSession, _ line: String, _ problems: inout [String]) -> [String]? {
        do {
            return try session.execute(line).output
        } catch is TableSession.LineError {
            return nil
        } catch {
            problems.append("a raw \(type(of: error)) escaped: \(error)")
            return nil
        }
    }
}
