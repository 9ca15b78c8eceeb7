import Routing

/// The outcome of one expectation: held or not, and in words why.
public struct ExpectationResult {
    public let expectation: Expectation
    public let passed: Bool
    /// What was expected and what was found, e.g. "expected exactly 1, found 0".
    public let detail: String

    /// One line for the summary: `PASS scenario.yaml:52 node=ABCD action=… (found 1)`.
    public var line: String {
        var text = "\(passed ? "PASS" : "FAIL") \(expectation.location): \(detail)"
        if let note = expectation.note { text += " — \(note)" }
        return text
    }
}

/// Checks expectations. Lookups are answered while the simulation runs (at their time);
/// decision filters are checked against the whole log afterwards.
enum ExpectationCheck {
    /// A lookup expectation checked against the peer the table gave at its time.
    static func lookup(_ e: Expectation, node: String, address: IPAddress, expected: String?,
                       found: LookupAnswer) -> ExpectationResult {
        let want = expected ?? "none"
        let got = found.peer ?? "none"
        var detail = "\(node) lookup \(address) → \(got)"
        if let p = found.prefix { detail += " (via \(p))" }
        if got != want { detail += "; expected \(want)" }
        if !found.others.isEmpty { detail += "; also matched " + found.others.joined(separator: ", ") }
        return ExpectationResult(expectation: e, passed: got == want, detail: detail)
    }

    /// A decision-filter expectation, given how many decisions matched its filter and action
    /// and which other actions the same filter saw.
    static func decisions(_ e: Expectation, filter: DecisionFilter, action: String, count: Int?,
                          matched matching: Int, others sameFilterOtherActions: [String: Int]) -> ExpectationResult {
        let described = ([filter.summary, "action=\(action)"].filter { !$0.isEmpty }).joined(separator: " ")
        let passed: Bool
        var detail: String
        if let count {
            passed = matching == count
            detail = "\(described): expected exactly \(count), found \(matching)"
        } else {
            passed = matching >= 1
            detail = "\(described): expected at least 1, found \(matching)"
        }
        if !passed && !sameFilterOtherActions.isEmpty {
            // Say what did happen to such packets: the most useful hint when an expectation fails.
            let others = sameFilterOtherActions.sorted { ($0.value, $1.key) > ($1.value, $0.key) }
                .prefix(5).map { "\($0.key) ×\($0.value)" }
            detail += "; the same filter matched " + others.joined(separator: ", ")
        }
        return ExpectationResult(expectation: e, passed: passed, detail: detail)
    }
}

/// What a node's allowed-IPs table says about an address: the chosen peer and prefix, and
/// every other matching entry (most specific first) as `PREFIX (PEER)`.
public struct LookupAnswer {
    public var peer: String?
    public var prefix: IPPrefix?
    public var others: [String]
    public init(peer: String?, prefix: IPPrefix?, others: [String]) {
        self.peer = peer
        self.prefix = prefix
        self.others = others
    }
}
