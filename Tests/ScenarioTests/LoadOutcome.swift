import XCTest
@testable import Scenario

/// What loading `text` gives, for tests that compare two ways of reading one file: the scenario
/// dumped whole (its key job left out: a thread's state), or the error's message.
/// `streaming` and `subset` choose the loader's path (`ScenarioLoader.load`).
func loadOutcome(_ text: String, file: String, directory: String = ".", streaming: Bool, subset: Bool = true) -> String {
    do {
        var scenario = try ScenarioLoader.load(text: text, file: file, directory: directory, keysAhead: false,
                                               streaming: streaming, subset: subset)
        scenario.derivedKeys = nil
        var out = ""
        dump(scenario, to: &out)
        return out
    } catch {
        return "error: \(error)"
    }
}

/// Asserts that the streamed loader and the subset reader's tree give `text` the same outcome;
/// returns it.
@discardableResult
func assertStreamedMatchesTree(_ text: String, directory: String = ".", _ what: String,
                               file: StaticString = #filePath, line: UInt = #line) -> String {
    let streamed = loadOutcome(text, file: "g.yaml", directory: directory, streaming: true)
    let tree = loadOutcome(text, file: "g.yaml", directory: directory, streaming: false)
    XCTAssertEqual(streamed, tree, what, file: file, line: line)
    return streamed
}

/// A generated hub with `peers` peers and no trace, as `wgsim generate hub` writes it.
func generatedHub(_ peers: Int) -> String { HubGenerator.yaml(peers: peers, trace: nil, packets: 0) }

/// `text` with line `number` (1-based) replaced.
func replacingLine(_ number: Int, of text: String, with line: String) -> String {
    var lines = text.components(separatedBy: "\n")
    lines[number - 1] = line
    return lines.joined(separator: "\n")
}
