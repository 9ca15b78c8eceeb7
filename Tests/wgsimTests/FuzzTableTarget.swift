import Foundation
import Scenario
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
        // The command's own reader over an unnamed temporary file, so the fuzzer exercises its
        // buffering and line limit too.
        guard let file = tmpfile() else { return ["tmpfile failed"] }
        defer { fclose(file) }
        let written = data.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) }
        guard written == data.count, fflush(file) == 0 else { return ["writing the temporary file failed"] }
        let fd = dup(fileno(file))
        guard fd >= 0, lseek(fd, 0, SEEK_SET) == 0 else { return ["reopening the temporary file failed"] }
        var reader = TableLineReader(descriptor: fd, closes: true)
        defer { reader.close() }
        var number = 0
        reading: while true {
            let bytes: [UInt8]
            switch reader.next() {
            case .line(let line): bytes = line
            case .end, .tooLong: break reading
            case .failed(let code): problems.append("read error \(code) from memory"); break reading
            }
            number += 1
            if bytes.contains(0) { continue }   // refused before it reaches a session, as `run` does
            let line = String(decoding: bytes, as: UTF8.self)
            let plain = execute(&text, line, number, &problems)
            let structured = execute(&json, line, number, &problems)
            if (plain == nil) != (structured == nil) { problems.append("line \(number): text and JSON sessions disagree") }
            // `help` prints its text in both modes.
            let isHelp = (try? ShellWords.split(line).get())?.first == "help"
            for output in structured ?? [] where !isHelp {
                let object = try? JSONSerialization.jsonObject(with: Data(output.utf8))
                if !(object is [String: Any]) { problems.append("line \(number): JSON output is not an object: \(output)") }
            }
        }
        if text.peerOrder != json.peerOrder { problems.append("text and JSON sessions hold different peers") }
        return problems
    }

    /// The line's output, or nil for a refused line.
    static func execute(_ session: inout TableSession, _ line: String, _ number: Int, _ problems: inout [String]) -> [String]? {
        do {
            return try session.execute(line, lineNumber: number).output
        } catch is TableSession.LineError {
            return nil
        } catch {
            problems.append("a raw \(type(of: error)) escaped: \(error)")
            return nil
        }
    }
}
