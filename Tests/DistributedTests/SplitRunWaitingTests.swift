import Distributed
import Foundation
@testable import Sim
import WireGuard
import XCTest

/// What a process of a split run does while it waits for the others at a window's end: it
/// composes its decision log's lines then (`DecisionLogPart.composePending`), and the lines are
/// the bytes they would be composed at once; and the phase times a split run prints when asked
/// (`WGSIM_SPLIT_PHASES`).
final class SplitRunWaitingTests: XCTestCase {
    private func records(_ count: Int, names: PeerNames) -> [DecisionRecord] {
        var made: [DecisionRecord] = []
        for i in 0..<count {
            let even = i % 2 == 0
            let iface: Interface = even ? .eth0 : .wg0
            let dir: Direction = even ? .tx : .rx
            made.append(DecisionRecord(t: Int64(i), node: Int32(i % 3), iface: iface, dir: dir,
                                       action: .note, decider: .note("decision \(i)"), names: names))
        }
        return made
    }

    private func folder() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("wgsim-pending-\(getpid())-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        return path
    }

    /// Decisions taken by a share are composed when asked, a few at a time, in the order they
    /// were written, the rest at `close`; more than `pendingLimit` waiting are composed without
    /// being asked. Either way the share's lines are the one-process writer's, byte for byte.
    func testDecisionsComposedLaterAreTheLinesOfTheOneProcessLog() throws {
        let names = PeerNames()
        names.use(nodeNames: ["hub", "a", "b"])
        let written = records(2 * DecisionLogPart.pendingLimit + 37, names: names)
        let folder = try folder()

        let oneProcess = try DecisionLogWriter(jsonlPath: folder + "/one.jsonl", textPath: folder + "/one.txt")
        for record in written { oneProcess.write(record) }
        try oneProcess.close()

        let files = DecisionLogParts.Files(folder: folder, rank: 0)
        let part = try DecisionLogPart(files)
        XCTAssertFalse(part.composePending(), "nothing written, nothing to compose")
        for (i, record) in written.enumerated() {
            part.write(record, key: EventKey(time: record.t, origin: 0, sequence: UInt64(i)))
            if i == 10 {
                XCTAssertTrue(part.composePending(limit: 4))
                XCTAssertTrue(part.composePending(limit: 4))
                XCTAssertTrue(part.composePending(limit: 4), "3 of the 11 written are left for the third call")
                XCTAssertFalse(part.composePending(limit: 4), "all 11 composed")
            }
        }
        // The rest (past the limit, then the tail) are composed without `composePending`.
        try part.close()
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: files.jsonl)), try Data(contentsOf: URL(fileURLWithPath: folder + "/one.jsonl")))
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: files.text)), try Data(contentsOf: URL(fileURLWithPath: folder + "/one.txt")))
        // The index names every decision's place, in the order written.
        try DecisionLogParts.merge([files], jsonlPath: folder + "/merged.jsonl", textPath: folder + "/merged.txt")
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: folder + "/merged.jsonl")),
                       try Data(contentsOf: URL(fileURLWithPath: folder + "/one.jsonl")))
    }

    /// Off, the phase times say nothing; on, each phase marked is a line with its name.
    func testPhaseTimesAreLinesOnlyWhenAskedFor() {
        let off = SplitPhaseTimes(rank: 1, environment: [:])
        off.mark("load")
        XCTAssertFalse(off.enabled)
        XCTAssertFalse(off.text.contains("load"))
        let on = SplitPhaseTimes(rank: 1, environment: ["WGSIM_SPLIT_PHASES": "1"])
        on.mark("load")
        on.mark("partition")
        XCTAssertTrue(on.enabled)
        let lines = on.text.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, 3, on.text)
        XCTAssertTrue(lines[0].hasPrefix("process 1: load ") && lines[1].hasPrefix("process 1: partition "), on.text)
        XCTAssertTrue(lines[2].hasPrefix("process 1: windows: "), on.text)
    }

    /// A split run with `WGSIM_SPLIT_PHASES` set prints every process's phases and windows, and
    /// writes the same bytes as without it (and as one process).
    func testASplitRunPrintsItsPhasesWhenAskedAndWritesTheSameBytes() throws {
        let (folder, scenario, one, _) = try SplitRunSupport.generatedHubsRunInOneProcess(self, hubs: 2, peers: 4, packets: 100,
                                                                                      extra: ["--quiet"])
        let quiet = folder.appendingPathComponent("quiet"), timed = folder.appendingPathComponent("timed")
        let plain = try SplitRunSupport.run(["run", scenario, "--out", quiet.path, "--quiet"], processes: 2, in: folder)
        XCTAssertEqual(plain.status, 0, plain.stderr)
        XCTAssertFalse(plain.stderr.contains("process 0: load"), plain.stderr)
        let split = try SplitRunSupport.run(["run", scenario, "--out", timed.path, "--quiet"], processes: 2, in: folder,
                                            environment: ["WGSIM_SPLIT_PHASES": "1"])
        XCTAssertEqual(split.status, 0, split.stderr)
        for rank in 0..<2 {
            for phase in ["load", "partition", "build", "run", "shares", "windows:"] {
                XCTAssertTrue(split.stderr.contains("process \(rank): \(phase)"), "\(rank) \(phase): \(split.stderr)")
            }
        }
        let files = SplitRunSupport.files(one)
        XCTAssertEqual(SplitRunSupport.files(timed), files)
        for name in files {
            for out in [quiet, timed] {
                XCTAssertEqual(try Data(contentsOf: one.appendingPathComponent(name)), try Data(contentsOf: out.appendingPathComponent(name)),
                               "\(name) in \(out.lastPathComponent)")
            }
        }
    }
}
