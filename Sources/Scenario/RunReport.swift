import Foundation
import Sim

/// The summary `wgsim run` prints: per node the packets originated and delivered, echo requests
/// answered and drops by reason, then every expectation with its result.
public enum RunReport {
    public static func text(run: ScenarioRun, results: [ExpectationResult], quiet: Bool) -> String {
        text(scenario: run.scenario, seed: run.seed, decisionCount: run.decisionCount, now: run.simulation.now,
             summary: run.simulation.summary(), results: results, quiet: quiet)
    }

    /// The summary from its figures (a split run's, combined from every process's share);
    /// `partition` is a line printed after the first one.
    public static func text(scenario s: Scenario, seed: UInt64, decisionCount: Int, now: Int64, summary: Sim.RunSummary,
                            results: [ExpectationResult], quiet: Bool, partition: String? = nil) -> String {
        var out = ""
        if !quiet {
            out += "scenario \(s.name) (seed \(seed)): \(decisionCount) decisions, simulated \(TimeText.seconds(now)) s\n"
            if let partition { out += partition }
            if let d = s.description { out += d.split(separator: "\n").map { "  " + $0 }.joined(separator: "\n") + "\n" }
            out += table(summary)
        }
        let failed = results.filter { !$0.passed }
        if !results.isEmpty, !quiet || !failed.isEmpty {
            out += "expectations: \(results.count - failed.count) passed, \(failed.count) failed\n"
            for r in results where !quiet || !r.passed { out += "  " + r.line + "\n" }
        }
        return out
    }

    /// A table: node, sent (originated), delivered, echo replies answered, then one column per
    /// drop reason seen anywhere.
    static let maximumRows = 20

    static func table(_ summary: Sim.RunSummary) -> String {
        let reasons = Array(Set(summary.nodes.flatMap { $0.drops.map(\.reason) })).sorted()
        let header = ["node", "sent", "delivered", "echo-answered"] + reasons
        var rows = [header]
        func row(_ name: String, _ nodes: ArraySlice<NodeSummary>) -> [String] {
            [name, "\(nodes.map(\.originated).reduce(0, +))", "\(nodes.map(\.delivered).reduce(0, +))",
             "\(nodes.map(\.echoRequestsAnswered).reduce(0, +))"]
                + reasons.map { r in "\(nodes.map { $0.drops.first { $0.reason == r }?.count ?? 0 }.reduce(0, +))" }
        }
        // Large networks (generated hubs) list the first nodes and total the rest.
        let shown = summary.nodes.count > maximumRows ? maximumRows - 1 : summary.nodes.count
        for i in 0..<shown { rows.append(row(summary.nodes[i].name, summary.nodes[i...i])) }
        if shown < summary.nodes.count {
            rows.append(row("(\(summary.nodes.count - shown) more)", summary.nodes[shown...]))
        }
        let widths = header.indices.map { col in rows.map { $0[col].count }.max() ?? 0 }
        return rows.map { row in
            "  " + row.enumerated().map { i, cell in
                i == 0 ? cell + String(repeating: " ", count: widths[i] - cell.count)
                       : String(repeating: " ", count: widths[i] - cell.count) + cell
            }.joined(separator: "  ")
        }.joined(separator: "\n") + "\n"
    }
}
