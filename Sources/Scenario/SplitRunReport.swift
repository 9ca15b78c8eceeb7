import Report
import Sim

/// report.html of a run split over processes (docs/mpi.md), made by process 0 with the one
/// page writer (`ReportPage`) from what one process would have handed it: the recording and
/// snapshot put back together from every process's report share (`SplitReportMerge`), and each
/// expectation's evidence renumbered from the processes' own decision counts to the run's.
public enum SplitRunReport {
    /// The page, from every process's share (by rank), their combination and their report files;
    /// `kept`: this process's rank and report share, whose snapshot part it kept in memory.
    public static func page(scenario: Scenario, seed: UInt64, shares: [SplitRunShare], totals: SplitRunTotals,
                            files: [SplitReportFiles], kept: (rank: Int, share: SplitReportShare)? = nil) throws -> String {
        var wanted = [[Int]](repeating: [], count: shares.count)
        for (rank, share) in shares.enumerated() {
            for lookup in share.lookups { wanted[rank] += lookup.evidence }
            for tally in share.tallies { wanted[rank] += tally.matchedDecisions + tally.otherDecisions }
        }
        let merged = try SplitReportMerge.merge(files, name: scenario.name, nodes: scenario.nodes.map(\.topologySpec),
                                                links: scenario.links.map(\.spec), end: totals.now, wanted: wanted, kept: kept)
        func inRun(_ rank: Int, _ positions: [Int]) -> [Int] { positions.compactMap { merged.position(rank: rank, local: $0) } }

        // As `ScenarioRun.finish` words it: a lookup's evidence is the configuration before it
        // (its node's process alone has it); a decision expectation's is its first matching
        // decisions in the whole run, then, when it failed, the first others it saw.
        var evidence = [[Int]](repeating: [], count: scenario.expectations.count)
        var matched: [Int: [Int]] = [:], others: [Int: [Int]] = [:]
        var sawOthers = Set<Int>()
        for (rank, share) in shares.enumerated() {
            for lookup in share.lookups where evidence.indices.contains(lookup.index) {
                evidence[lookup.index] = inRun(rank, lookup.evidence)
            }
            for tally in share.tallies {
                matched[tally.index, default: []] += inRun(rank, tally.matchedDecisions)
                others[tally.index, default: []] += inRun(rank, tally.otherDecisions)
                if !tally.others.isEmpty { sawOthers.insert(tally.index) }
            }
        }
        let passed = totals.results.count == scenario.expectations.count ? totals.results.map(\.passed)
            : [Bool](repeating: false, count: scenario.expectations.count)
        for (index, positions) in matched where evidence.indices.contains(index) {
            let first = Array(positions.sorted().prefix(DecisionTally.evidenceLimit))
            let firstOthers = Array((others[index] ?? []).sorted().prefix(DecisionTally.evidenceLimit))
            evidence[index] = passed[index] || !sawOthers.contains(index) ? first : first + firstOthers
        }
        return ReportCollection.html(scenario: scenario, seed: seed, evidence: evidence, results: totals.results,
                                     recording: merged.recording, snapshot: merged.snapshot)
    }
}

extension ScenarioRun {
    /// Has `share` watch this run (built, not yet run) for a split run's report, as
    /// `ReportCollection.attach` does for one process; `owned` flags this process's nodes. The
    /// collector reads the nodes' names and addresses, never their peers: the specs go without
    /// them (`topologySpec`), as in one process (with them, 31 MB more at a process's peak on
    /// 4 × 25,000 clients).
    public func attach(_ share: SplitReportShare, owned: [Bool]) {
        share.attach(to: simulation, name: scenario.name, nodes: scenario.nodes.map(\.topologySpec),
                     links: scenario.links.map(\.spec), owned: owned)
    }
}
