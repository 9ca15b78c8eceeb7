import Foundation
import XCTest

/// `mpirun -np K wgsim run`: the outputs of a run split over K processes are byte for byte
/// those of the one-process run (docs/mpi.md), for the shipped scenarios (their golden files)
/// and for generated multi-hub worlds, and a process that fails stops them all.
final class SplitRunTests: XCTestCase {
    /// Each shipped scenario with its nodes spread over 2 processes (and 3 where it has three
    /// nodes or more) by `partition:` names, compared with its golden files, report.html
    /// included. The scenario is run as the golden files were made (`Scenarios/NAME.yaml` from
    /// the folder above it) and keeps its expectations' line numbers, which the page shows. Where
    /// that leaves some nodes unspread (too few blank lines to trade), the widest spread runs too
    /// and is compared, every file, with the one-process run of the same file.
    func testEveryShippedScenarioSplitOverTwoAndThreeProcessesMatchesItsGoldenFiles() throws {
        let folder = try SplitRunSupport.temporaryFolder(self)
        let scenarios = folder.appendingPathComponent("Scenarios")
        try FileManager.default.copyItem(at: SplitRunSupport.packageRoot.appendingPathComponent("Scenarios"), to: scenarios)
        let names = try FileManager.default.contentsOfDirectory(atPath: scenarios.path)
            .filter { $0.hasSuffix(".yaml") }.map { String($0.dropLast(5)) }.sorted()
        XCTAssertGreaterThanOrEqual(names.count, 8)
        var splitOverThree = 0
        for name in names {
            let file = scenarios.appendingPathComponent(name + ".yaml")
            let original = try String(contentsOf: file, encoding: .utf8)
            let golden = SplitRunSupport.packageRoot.appendingPathComponent("captures/golden/\(name)").path
            for processes in [2, 3] {
                let spread = SplitRunSupport.spreadingNodes(original, over: processes)
                let nodes = spread.components(separatedBy: "partition: p").count - 1
                guard nodes >= processes else { continue }
                if processes == 3 { splitOverThree += 1 }
                try spread.write(to: file, atomically: true, encoding: .utf8)
                let out = folder.appendingPathComponent("\(name)-\(processes)").path
                let result = try SplitRunSupport.run(["run", "Scenarios/\(name).yaml", "--out", out, "--golden", golden],
                                                     processes: processes, in: folder)
                XCTAssertEqual(result.status, 0, "\(name), \(processes) processes:\n\(result.stdout)\n\(result.stderr)")
                XCTAssertTrue(result.stdout.contains("golden: every file matches"), "\(name), \(processes) processes: \(result.stdout)")
                XCTAssertTrue(result.stdout.contains("partition: \(processes) processes own"), "\(name): \(result.stdout)")

                let widest = SplitRunSupport.spreadingNodes(original, over: processes, keepingLines: false)
                guard widest.components(separatedBy: "partition: p").count - 1 > nodes else { continue }
                try widest.write(to: file, atomically: true, encoding: .utf8)
                let one = folder.appendingPathComponent("\(name)-widest-one"), split = folder.appendingPathComponent("\(name)-widest-\(processes)")
                XCTAssertEqual(try SplitRunSupport.run(["run", "Scenarios/\(name).yaml", "--out", one.path], in: folder).status, 0)
                let widestResult = try SplitRunSupport.run(["run", "Scenarios/\(name).yaml", "--out", split.path],
                                                           processes: processes, in: folder)
                XCTAssertEqual(widestResult.status, 0, "\(name), widest spread over \(processes):\n\(widestResult.stderr)")
                XCTAssertEqual(SplitRunSupport.files(split), SplitRunSupport.files(one))
                for output in SplitRunSupport.files(one) {
                    XCTAssertTrue(try Data(contentsOf: one.appendingPathComponent(output)) == Data(contentsOf: split.appendingPathComponent(output)),
                                  "\(name), widest spread over \(processes): \(output) differs")
                }
                try? FileManager.default.removeItem(at: one)
            }
        }
        XCTAssertGreaterThanOrEqual(splitOverThree, 5, "several shipped scenarios have three nodes or more")
    }

    /// A generated world of three hubs: 2 and 3 processes (split by hub, the partitioner's own
    /// choice) write exactly the files one process writes, report.html included (its ladder
    /// keeps the first 2,000 of some 8,000 decisions), and print the same summary.
    func testGeneratedHubsSplitOverTwoAndThreeProcessesWriteTheSameBytes() throws {
        let (folder, scenario, one, single) = try SplitRunSupport.generatedHubsRunInOneProcess(self, hubs: 3, peers: 6, packets: 300)
        let files = SplitRunSupport.files(one)
        XCTAssertTrue(files.contains("decisions.jsonl") && files.contains("wireguard.keys") && files.contains("pcap/h2c5-wg0.pcap")
                      && files.contains("report.html"))
        let page = try String(contentsOf: one.appendingPathComponent("report.html"), encoding: .utf8)
        XCTAssertTrue(page.contains("decisions shown (the first 2000"), "the page leaves decisions out")
        for processes in [2, 3] {
            let out = folder.appendingPathComponent("split-\(processes)")
            let split = try SplitRunSupport.run(["run", scenario, "--out", out.path], processes: processes, in: folder)
            XCTAssertEqual(split.status, 0, split.stderr)
            XCTAssertEqual(SplitRunSupport.files(out), files, "\(processes) processes")
            for name in files {
                let a = try Data(contentsOf: one.appendingPathComponent(name)), b = try Data(contentsOf: out.appendingPathComponent(name))
                XCTAssertTrue(a == b, "\(name) differs with \(processes) processes")
            }
            // The same summary, with the partition line after the first one.
            var lines = split.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            XCTAssertTrue(lines.count > 1 && lines[1].hasPrefix("partition: \(processes) processes own "), split.stdout)
            if lines.count > 1 { lines.remove(at: 1) }
            XCTAssertEqual(lines.joined(separator: "\n"), single.stdout)
        }
    }

    /// What loading noticed (allowed IPs with host bits, on a hub's peer and in a `wg set`
    /// event) is printed by a split run as by one process, although each process lets go of
    /// the peers that carry it once its devices are built.
    func testLoadWarningsArePrintedAsInOneProcess() throws {
        let folder = try SplitRunSupport.temporaryFolder(self)
        let scenario = folder.appendingPathComponent("hubs.yaml").path
        XCTAssertEqual(try SplitRunSupport.run(["generate", "hubs", "--hubs", "2", "--peers", "3", "--packets", "4",
                                                "--out", scenario], in: folder).status, 0)
        var text = try String(contentsOfFile: scenario, encoding: .utf8)
        text = text.replacingOccurrences(of: "- {peer: h0c1, allowed-ips: [10.0.0.3/32]", with: "- {peer: h0c1, allowed-ips: [10.0.0.3/24]")
        text = text.replacingOccurrences(of: "events:\n", with: "events:\n  - {at: 2s, node: h1, run: wg set wg0 peer h1c2 allowed-ips 10.1.0.4/16}\n")
        try text.write(toFile: scenario, atomically: true, encoding: .utf8)
        let single = try SplitRunSupport.run(["run", scenario, "--out", folder.appendingPathComponent("one").path], in: folder)
        XCTAssertEqual(single.status, 0, single.stderr)
        XCTAssertTrue(single.stderr.contains("nonzero host part: 10.0.0.3/24"), single.stderr)
        XCTAssertTrue(single.stderr.contains("nonzero host part: 10.1.0.4/16"), single.stderr)
        let split = try SplitRunSupport.run(["run", scenario, "--out", folder.appendingPathComponent("two").path],
                                            processes: 2, in: folder)
        XCTAssertEqual(split.status, 0, split.stderr)
        XCTAssertEqual(split.stderr, single.stderr)
    }

    /// A peer named by key, not by node, by a node it does not know back: the decisions of a
    /// split run still name the node that has the key, as one process's do (every key is derived
    /// then).
    func testAPeerNamedByKeyIsNamedAsInOneProcess() throws {
        let folder = try SplitRunSupport.temporaryFolder(self)
        let scenario = folder.appendingPathComponent("keys.yaml").path
        try """
            name: keys
            duration: 3s
            nodes:
              a:
                underlay: 192.0.2.1
                partition: left
                wireguard:
                  private-key: iLiO/P8REgMPa6p7hwY/gs/SUiwiK6zz2DtUfc/PaGE=
                  address: [10.9.0.1/24]
                  peers:
                    - {public-key: Q9suYie6yDK6xTmvjVFtdkNVtV70AiXd/4KJbw5gFEE=, allowed-ips: [10.9.0.2/32], endpoint: 192.0.2.2:51820}
              b:
                underlay: 192.0.2.2
                partition: right
                wireguard:
                  private-key: YJGTB7eG9RyDy7gjcQJvKCBP1fG5x6wmzQjQ8XJ/U1s=
                  address: [10.9.0.2/24]
            events:
              - at: 1s
                node: a
                ping: 10.9.0.2
            """.write(toFile: scenario, atomically: true, encoding: .utf8)
        let one = folder.appendingPathComponent("one"), two = folder.appendingPathComponent("two")
        let single = try SplitRunSupport.run(["run", scenario, "--out", one.path], in: folder)
        XCTAssertEqual(single.status, 0, single.stderr)
        let split = try SplitRunSupport.run(["run", scenario, "--out", two.path], processes: 2, in: folder)
        XCTAssertEqual(split.status, 0, split.stderr)
        let text = try String(contentsOf: one.appendingPathComponent("decisions.txt"), encoding: .utf8)
        XCTAssertTrue(text.contains("peer b"), "the key is named by its node:\n\(text)")
        for name in SplitRunSupport.files(one) {
            XCTAssertTrue(try Data(contentsOf: one.appendingPathComponent(name)) == Data(contentsOf: two.appendingPathComponent(name)),
                          "\(name) differs")
        }
        XCTAssertEqual(SplitRunSupport.files(one), SplitRunSupport.files(two))
    }

    /// A process that stops (here: --max-decisions, counted per process) stops every process,
    /// and the output folder is not created; what was in it before stays.
    func testAFailingProcessStopsAllAndLeavesNoOutputs() throws {
        let folder = try SplitRunSupport.temporaryFolder(self)
        let scenario = folder.appendingPathComponent("hubs.yaml").path
        _ = try SplitRunSupport.run(["generate", "hubs", "--hubs", "2", "--peers", "3", "--packets", "50", "--out", scenario], in: folder)
        let out = folder.appendingPathComponent("out")
        let result = try SplitRunSupport.run(["run", scenario, "--out", out.path, "--max-decisions", "40"], processes: 2, in: folder)
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.contains("every process stops"), result.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.path), "nothing partial in --out")
    }

    /// --update-golden from a split run writes the golden folder one process would: every
    /// file, report.html included.
    func testUpdatingGoldenFilesFromASplitRunWritesWhatOneProcessWrites() throws {
        let folder = try SplitRunSupport.temporaryFolder(self)
        let scenario = folder.appendingPathComponent("hubs.yaml").path
        _ = try SplitRunSupport.run(["generate", "hubs", "--hubs", "2", "--peers", "2", "--packets", "5", "--out", scenario], in: folder)
        let one = folder.appendingPathComponent("one")
        XCTAssertEqual(try SplitRunSupport.run(["run", scenario, "--out", one.path], in: folder).status, 0)
        let golden = folder.appendingPathComponent("golden")
        let result = try SplitRunSupport.run(["run", scenario, "--out", folder.appendingPathComponent("out").path,
                                              "--update-golden", "--golden", golden.path], processes: 2, in: folder)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.contains("golden files updated"), result.stdout)
        let files = SplitRunSupport.files(one)
        XCTAssertTrue(files.contains("report.html"))
        XCTAssertEqual(SplitRunSupport.files(golden), files)
        for name in files {
            XCTAssertTrue(try Data(contentsOf: one.appendingPathComponent(name)) == Data(contentsOf: golden.appendingPathComponent(name)),
                          "\(name) differs")
        }
    }

    /// --no-report in a split run: no report.html (and no report shares made), the other files
    /// those of one process; a golden comparison leaves the golden report.html out.
    func testNoReportInASplitRunWritesNoPage() throws {
        let folder = try SplitRunSupport.temporaryFolder(self)
        let scenario = folder.appendingPathComponent("hubs.yaml").path
        _ = try SplitRunSupport.run(["generate", "hubs", "--hubs", "2", "--peers", "2", "--packets", "5", "--out", scenario], in: folder)
        let one = folder.appendingPathComponent("one"), two = folder.appendingPathComponent("two")
        XCTAssertEqual(try SplitRunSupport.run(["run", scenario, "--out", one.path], in: folder).status, 0)
        let split = try SplitRunSupport.run(["run", scenario, "--out", two.path, "--no-report", "--golden", one.path],
                                            processes: 2, in: folder)
        XCTAssertEqual(split.status, 0, split.stderr)
        XCTAssertTrue(split.stdout.contains("golden: every file matches"), split.stdout)
        XCTAssertEqual(SplitRunSupport.files(two), SplitRunSupport.files(one).filter { $0 != "report.html" })
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasPrefix(".") }, [],
                       "no staging or share folder is left beside --out")
    }

    /// A lossy link and a long ping series: past the page's first 2,000 steps it keeps drops and
    /// handshakes (the selected steps, which each process ships with their words up to the
    /// page's limit), and the split run's page is still the one-process page.
    func testSelectedStepsPastTheFirstOnesAreTheOneProcessSteps() throws {
        let folder = try SplitRunSupport.temporaryFolder(self)
        let scenario = folder.appendingPathComponent("lossy.yaml").path
        try """
            name: lossy
            seed: 7
            nodes:
              a:
                underlay: 192.0.2.1
                partition: left
                wireguard:
                  address: [10.9.0.1/24]
                  peers:
                    - {peer: b, allowed-ips: [10.9.0.2/32], endpoint: b}
              b:
                underlay: 192.0.2.2
                partition: right
                wireguard:
                  address: [10.9.0.2/24]
                  peers:
                    - {peer: a, allowed-ips: [10.9.0.1/32]}
            links:
              - between: [a, b]
                latency: 5ms
                jitter: 2ms
                loss: 0.25
            events:
              - at: 1s
                node: a
                ping: 10.9.0.2
                count: 600
                interval: 10ms
            """.write(toFile: scenario, atomically: true, encoding: .utf8)
        let one = folder.appendingPathComponent("one"), two = folder.appendingPathComponent("two")
        let single = try SplitRunSupport.run(["run", scenario, "--out", one.path], in: folder)
        XCTAssertEqual(single.status, 0, single.stderr)
        let page = try String(contentsOf: one.appendingPathComponent("report.html"), encoding: .utf8)
        let shown = try XCTUnwrap(page.range(of: #"\d+ of \d+ decisions shown"#, options: .regularExpression).map { String(page[$0]) })
        let kept = Int(shown.split(separator: " ")[0]) ?? 0
        XCTAssertGreaterThan(kept, 2000, "steps past the first 2000 are kept: \(shown)")
        let split = try SplitRunSupport.run(["run", scenario, "--out", two.path], processes: 2, in: folder)
        XCTAssertEqual(split.status, 0, split.stderr)
        XCTAssertEqual(SplitRunSupport.files(one), SplitRunSupport.files(two))
        for name in SplitRunSupport.files(one) {
            XCTAssertTrue(try Data(contentsOf: one.appendingPathComponent(name)) == Data(contentsOf: two.appendingPathComponent(name)),
                          "\(name) differs")
        }
    }

    /// An input problem is found by every process: one message, exit status 2.
    func testTooFewGroupsForTheProcessesIsRefusedInWords() throws {
        let folder = try SplitRunSupport.temporaryFolder(self)
        let scenario = folder.appendingPathComponent("hubs.yaml").path
        _ = try SplitRunSupport.run(["generate", "hubs", "--hubs", "2", "--peers", "3", "--packets", "5", "--out", scenario], in: folder)
        let out = folder.appendingPathComponent("out")
        let result = try SplitRunSupport.run(["run", scenario, "--out", out.path], processes: 3, in: folder)
        XCTAssertEqual(result.status, 2, result.stderr)
        XCTAssertTrue(result.stderr.contains("splits into only 2 groups of nodes"), result.stderr)
        XCTAssertEqual(result.stderr.components(separatedBy: "splits into only").count, 2, "said once, by process 0")
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.path))
    }
}
