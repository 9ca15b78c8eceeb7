import Foundation
import Report
import Sim

/// What one process of a run split over MPI processes (docs/mpi.md) found, for process 0 to
/// combine into the one summary a one-process run prints: the decisions it made, how far it got,
/// its own nodes' tallies, its answers to lookups about its own nodes, its counts for decision
/// expectations, its key-log lines with their places, and its warnings, worded; for the report,
/// the decisions behind each expectation's result, numbered in this process's own decisions
/// (process 0 renumbers them in the run's: SplitRunReport.swift).
public struct SplitRunShare: Equatable {
    var decisionCount: Int
    var now: Int64
    var nodes: [NodeShare]
    var lookups: [LookupShare]
    var tallies: [TallyShare]
    var keyLog: [KeyLine]
    /// The first warnings, worded (each line with its newline), and how many there were in all.
    public var warnings: [String]
    public var warningCount: Int
    /// Datagrams this process's nodes sent to other processes' nodes (set by the caller).
    public var datagramsSent = 0

    struct NodeShare: Equatable {
        var index: Int
        var originated: Int
        var delivered: Int
        var echoRequestsAnswered: Int
        var echoRepliesReceived: Int
        var drops: [Count]
        var actions: [Count]
    }

    struct Count: Equatable {
        var name: String
        var count: Int
    }

    struct LookupShare: Equatable {
        var index: Int
        var passed: Bool
        var detail: String
        /// The decision that last configured the node before the lookup, if any.
        var evidence: [Int]
    }

    struct TallyShare: Equatable {
        var index: Int
        var matched: Int
        var others: [Count]
        /// The first matching decisions with the expected action, and with another.
        var matchedDecisions: [Int]
        var otherDecisions: [Int]
    }

    struct KeyLine: Equatable {
        var time: Int64
        var origin: Int64
        var sequence: UInt64
        var line: String
    }

    /// Where process `rank` leaves its share in the shares folder `folder`.
    public static func path(folder: String, rank: Int) -> String { folder + "/rank-\(rank).results" }

    /// Writes the share to `path` in the split run's binary share format (`SplitShareWriter`):
    /// a tenth of the time JSON took for a 50,000-node share, which process 0 read alone.
    public func write(to path: String) throws {
        let out = try SplitShareWriter(path: path)
        func count(_ value: Int) { out.int(Int64(value)) }
        func counts(_ values: [Count]) {
            count(values.count)
            for value in values { out.string(value.name); count(value.count) }
        }
        func positions(_ values: [Int]) {
            count(values.count)
            for value in values { count(value) }
        }
        count(decisionCount); out.int(now); count(warningCount); count(datagramsSent)
        count(nodes.count)
        for node in nodes {
            count(node.index); count(node.originated); count(node.delivered)
            count(node.echoRequestsAnswered); count(node.echoRepliesReceived)
            counts(node.drops); counts(node.actions)
        }
        count(lookups.count)
        for lookup in lookups {
            count(lookup.index); out.byte(lookup.passed ? 1 : 0); out.string(lookup.detail); positions(lookup.evidence)
        }
        count(tallies.count)
        for tally in tallies {
            count(tally.index); count(tally.matched); counts(tally.others)
            positions(tally.matchedDecisions); positions(tally.otherDecisions)
        }
        count(keyLog.count)
        for line in keyLog {
            out.int(line.time); out.int(line.origin); out.int(Int64(bitPattern: line.sequence)); out.string(line.line)
        }
        count(warnings.count)
        for warning in warnings { out.string(warning) }
        try out.close()
    }

    /// The share `write(to:)` wrote to `path`; a file that is not whole is a `SplitShareError`
    /// naming it.
    public static func read(from path: String) throws -> SplitRunShare {
        let input = try SplitShareReader(path: path)
        func count() throws -> Int { try input.count(atMost: Int.max) }
        // Elements are read one by one (no room reserved for the count first): a damaged count
        // ends in an error at the file's end, not in a huge allocation.
        func list<Element>(_ element: () throws -> Element) throws -> [Element] {
            var elements: [Element] = []
            for _ in 0..<(try input.count()) { elements.append(try element()) }
            return elements
        }
        func counts() throws -> [Count] { try list { Count(name: try input.string(), count: try count()) } }
        func positions() throws -> [Int] { try list(count) }
        let decisionCount = try count(), now = try input.int(), warningCount = try count(), datagramsSent = try count()
        let nodes = try list {
            NodeShare(index: try count(), originated: try count(), delivered: try count(),
                      echoRequestsAnswered: try count(), echoRepliesReceived: try count(),
                      drops: try counts(), actions: try counts())
        }
        let lookups = try list {
            LookupShare(index: try count(), passed: try input.byte() != 0, detail: try input.string(), evidence: try positions())
        }
        let tallies = try list {
            TallyShare(index: try count(), matched: try count(), others: try counts(),
                       matchedDecisions: try positions(), otherDecisions: try positions())
        }
        let keyLog = try list {
            KeyLine(time: try input.int(), origin: try input.int(), sequence: UInt64(bitPattern: try input.int()),
                    line: try input.string())
        }
        let warnings = try list(input.string)
        guard input.atEnd else { throw SplitShareError(path: path, reason: "goes on past the end of its results") }
        var share = SplitRunShare(decisionCount: decisionCount, now: now, nodes: nodes, lookups: lookups, tallies: tallies,
                                  keyLog: keyLog, warnings: warnings, warningCount: warningCount)
        share.datagramsSent = datagramsSent
        return share
    }
}

/// The combined figures of a split run: what `RunReport` prints and the key log.
public struct SplitRunTotals {
    public let decisionCount: Int
    public let now: Int64
    public let summary: RunSummary
    public let results: [ExpectationResult]
    public let keyLog: [String]
}

extension ScenarioRun {
    /// This process's share, after `finish()`; `owned` says which nodes are this process's.
    public func share(owned: [Bool], warnings: [String], warningCount: Int) -> SplitRunShare {
        let summary = simulation.summary()
        let nodes = summary.nodes.indices.filter { owned[$0] }.map { i in
            let node = summary.nodes[i]
            return SplitRunShare.NodeShare(
                index: i, originated: node.originated, delivered: node.delivered,
                echoRequestsAnswered: node.echoRequestsAnswered, echoRepliesReceived: node.echoRepliesReceived,
                drops: node.drops.map { .init(name: $0.reason, count: $0.count) },
                actions: node.actions.map { .init(name: $0.action, count: $0.count) })
        }
        var index: [String: Int] = [:]
        for (i, node) in scenario.nodes.enumerated() { index[node.name] = i }
        var lookups: [SplitRunShare.LookupShare] = []
        for (i, expectation) in scenario.expectations.enumerated() {
            // A lookup is answered by the process that owns its node (another has only its name).
            guard case .lookup(_, let node, _, _) = expectation.kind, let owner = index[node], owned[owner],
                  let result = results[i] else { continue }
            lookups.append(.init(index: i, passed: result.passed, detail: result.detail,
                                 evidence: i < expectationEvidence.count ? expectationEvidence[i] : []))
        }
        let tallyShares = tallies.map { entry in
            SplitRunShare.TallyShare(index: entry.index, matched: entry.tally.matched,
                                     others: entry.tally.others.sorted { $0.key < $1.key }.map { .init(name: $0.key, count: $0.value) },
                                     matchedDecisions: entry.tally.matchedDecisions, otherDecisions: entry.tally.otherDecisions)
        }
        let keyLog = zip(simulation.keyLogKeys, simulation.keyLog).map {
            SplitRunShare.KeyLine(time: $0.time, origin: $0.origin, sequence: $0.sequence, line: $1)
        }
        return SplitRunShare(decisionCount: decisionCount, now: simulation.now, nodes: nodes, lookups: lookups,
                             tallies: tallyShares, keyLog: keyLog, warnings: warnings, warningCount: warningCount)
    }

    /// Every process's share (by rank) combined as one process would have counted: decisions
    /// summed, the latest time reached, each node's tallies from its owner, each lookup's answer
    /// from its node's owner, decision expectations judged on the summed counts, the key logs
    /// merged by place (`KeyLogMerge`).
    public static func combine(_ shares: [SplitRunShare], scenario: Scenario) -> SplitRunTotals {
        var nodes = scenario.nodes.map {
            NodeSummary(name: $0.name, originated: 0, delivered: 0, echoRequestsAnswered: 0, echoRepliesReceived: 0,
                        drops: [], actions: [])
        }
        var results = [ExpectationResult?](repeating: nil, count: scenario.expectations.count)
        var matched: [Int: Int] = [:]
        var others: [Int: [String: Int]] = [:]
        for share in shares {
            for node in share.nodes where nodes.indices.contains(node.index) {
                nodes[node.index] = NodeSummary(
                    name: nodes[node.index].name, originated: node.originated, delivered: node.delivered,
                    echoRequestsAnswered: node.echoRequestsAnswered, echoRepliesReceived: node.echoRepliesReceived,
                    drops: node.drops.map { ($0.name, $0.count) }, actions: node.actions.map { ($0.name, $0.count) })
            }
            for lookup in share.lookups where results.indices.contains(lookup.index) {
                results[lookup.index] = ExpectationResult(expectation: scenario.expectations[lookup.index],
                                                          passed: lookup.passed, detail: lookup.detail)
            }
            for tally in share.tallies {
                matched[tally.index, default: 0] += tally.matched
                for other in tally.others { others[tally.index, default: [:]][other.name, default: 0] += other.count }
            }
        }
        for (i, expectation) in scenario.expectations.enumerated() {
            guard case .decisions(let filter, let action, let count) = expectation.kind else { continue }
            results[i] = ExpectationCheck.decisions(expectation, filter: filter, action: action, count: count,
                                                    matched: matched[i] ?? 0, others: others[i] ?? [:])
        }
        let keyLog = KeyLogMerge.merge(shares.map { share in
            share.keyLog.map { (EventKey(time: $0.time, origin: $0.origin, sequence: $0.sequence), $0.line) }
        })
        return SplitRunTotals(decisionCount: shares.map(\.decisionCount).reduce(0, +),
                              now: shares.map(\.now).max() ?? 0, summary: RunSummary(nodes: nodes),
                              results: results.compactMap { $0 }, keyLog: keyLog)
    }
}
