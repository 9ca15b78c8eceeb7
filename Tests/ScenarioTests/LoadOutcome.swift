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
