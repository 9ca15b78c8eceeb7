/// One expectation as the page lists it: held or not, its summary line, and the decisions
/// (0-based positions in the run's decision stream) that satisfied or broke it.
public struct PageExpectation: Sendable {
    public var passed: Bool
    public var line: String
    public var decisions: [Int]

    public init(passed: Bool, line: String, decisions: [Int]) {
        self.passed = passed
        self.line = line
        self.decisions = decisions
    }
}

/// The expectations section: one `li.expectation[data-result]` each, linked to the ladder's
/// arrows (`#step-K`) of the decisions behind its result.
enum ExpectationSection {
    static func write(_ expectations: [PageExpectation], recording: RunRecording, into m: inout Markup) {
        m.open("section", ["id": "expectations"])
        m.element("h2", [:], "Expectations")
        if expectations.isEmpty {
            m.element("p", [:], "This scenario sets no expectations (expect:).")
            m.close()
            return
        }
        let failed = expectations.filter { !$0.passed }.count
        m.element("p", [:], "\(expectations.count - failed) passed, \(failed) failed. Each links to the steps that satisfied or broke it.")
        m.open("ul", ["class": "expectations"])
        var unlinked = 0
        for e in expectations {
            m.newline()
            m.open("li", ["class": "expectation", "data-result": e.passed ? "pass" : "fail"])
            m.element("span", ["class": "result"], e.passed ? "PASS" : "FAIL")
            m.content(" " + e.line)
            let steps = e.decisions.compactMap { recording.stepIndex(ofDecision: $0) }
            if !steps.isEmpty {
                m.open("span", ["class": "steps"])
                m.content(" steps:")
                for k in steps {
                    m.content(" ")
                    m.element("a", ["href": "#step-\(k)", "data-step": "\(k)"], "\(k + 1)")
                }
                m.close()
            }
            if steps.count < e.decisions.count { unlinked += 1 }
            m.close()
        }
        m.newline()
        m.close()
        if unlinked > 0 {
            m.element("p", ["class": "omitted"],
                      "\(unlinked) expectation(s) rest on decisions the ladder left out; decisions.txt has them all.")
        }
        m.close()
    }
}
