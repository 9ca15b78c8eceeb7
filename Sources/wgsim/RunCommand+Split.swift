import ArgumentParser
import Distributed
import Foundation
import Report
import Scenario
import Sim

/// `mpirun -np K wgsim run SCENARIO --out DIR`: the run split over K processes (docs/mpi.md).
/// Every process reads the scenario and computes the same `Partition`; process 0 checks the
/// folders and makes the one staging folder, whose path it broadcasts. Each process simulates
/// its own nodes (`WindowedRun`), writes their pcaps into the staging folder and its shares beside
/// it: its decision log, its results (`SplitRunShare`) and the report's material
/// (`SplitReportShare`). Once every process has written them, process 0 merges the decision logs
/// and key logs into the order one process writes while the last process builds report.html from
/// the shares (`SplitRunReport`); process 0 then commits the staging folder and prints the
/// summary. The outputs are byte for byte those of the one-process run.
///
/// An input problem is found by every process alike: each stops (exit 2), process 0 saying why.
/// A failure in one process alone (a write error, an interrupt, --max-decisions) stops every
/// process at once (MPI_Abort); --out is then left as it was (the staging folder may remain
/// beside it, hidden, as after a killed run).
extension RunCommand {
    func runSplit() throws {
        guard let communicator = Communicator() else {
            FileHandleOutput.standardError("wgsim run: started by an MPI launcher, but MPI could not be started (MPI_Init failed)\n")
            throw badInputExit
        }
        let rank = communicator.rank
        let lead = rank == 0
        let started = WallClock.now()
        let phases = SplitPhaseTimes(rank: rank)
        /// An input problem every process finds: process 0 says it, each stops.
        func refuse(_ error: Error) -> Error {
            if lead { _ = failure(error) }
            communicator.finish()
            return badInputExit
        }
        /// A problem in this process alone: say it, and stop every process.
        func stopAll(_ message: String, status: Int32 = badInputExit.rawValue) -> Never {
            FileHandleOutput.standardError("wgsim run: process \(rank) of \(communicator.size): \(message); every process stops, \(out) is as it was\n")
            communicator.abortAll(status: status)
        }

        let loaded: Scenario
        let captured: Set<String>?
        let partition: Partition
        /// What loading noticed (process 0 prints it with the run's warnings): read now, because
        /// the peers that carry it go once the devices are built (`releaseNodeDetails`).
        let loadWarnings: [ScenarioWarning]
        do {
            // A process derives only the keys its own nodes can meet (ScenarioRun), not all ahead.
            loaded = try NetworkAssembly.isNetwork(inputs) ? NetworkAssembly.load(inputs) : ScenarioLoader.load(path: inputs[0], keysAhead: false)
            if lead && !quiet { for note in loaded.notes { FileHandleOutput.standardError("\(note)\n") } }
            loadWarnings = lead ? loaded.loadWarnings : []
            captured = try captureNodes(of: loaded)
            phases.mark("load")
            partition = try Partition(loaded, processes: communicator.size)
            phases.mark("partition")
        } catch {
            throw refuse(error)
        }

        // Process 0 checks the folders and makes the staging folder (and one beside it for the
        // decision-log shares); the others learn both paths, or that there are none.
        var staging: OutputStaging?
        var goldenFolder: String?
        var agreement: [UInt8] = []
        if lead {
            do {
                goldenFolder = try checkedFolders(scenarioName: loaded.name)
                let made = try OutputStaging(target: out)
                staging = made
                let shares = made.path + ".shares"
                try FileManager.default.createDirectory(atPath: shares, withIntermediateDirectories: false)
                try FileManager.default.createDirectory(atPath: made.path + "/" + OutputFiles.captureFolder,
                                                        withIntermediateDirectories: false)
                agreement = Array("ok\n\(made.path)\n\(shares)".utf8)
            } catch {
                _ = failure(error)
                staging?.discard()
                agreement = Array("stop".utf8)
            }
        }
        let agreed = String(decoding: communicator.broadcast(agreement), as: UTF8.self).split(separator: "\n").map(String.init)
        guard agreed.count == 3, agreed[0] == "ok" else {
            communicator.finish()
            throw badInputExit
        }
        let (stagingPath, sharesPath) = (agreed[1], agreed[2])
        phases.mark("agree")

        RunInterruption.install()
        let captures = PcapCaptureDirectory(directory: stagingPath + "/" + OutputFiles.captureFolder,
                                            startUnixNanoseconds: loaded.startUnixNanoseconds)
        /// Whether interface `NODE-IFACE` is written to a file (--capture).
        let isCaptured: (String) -> Bool = { name in
            guard let captured, let dash = name.lastIndex(of: "-") else { return true }
            return captured.contains(String(name[..<dash]))
        }
        let fileSink: CaptureSinkFactory = { name in
            isCaptured(name) ? try captures.sink(named: name) : DiscardingCaptureSink()
        }
        // The last process makes report.html from the shares (below) while process 0 merges the
        // logs: the two longest serial steps of the end of a split run, on two processes. Its
        // own snapshot part it keeps rather than writes and reads back.
        let pageMaker = noReport ? nil : communicator.size - 1
        /// What the end of the run reads of this process's simulation, which goes (with the
        /// devices, the moves and the report share's collector) when `simulateOwnNodes` returns,
        /// so the page maker builds the page without it (4 × 25,000 clients: its peak heap fell
        /// from 239 to 195 MB, now the build's, BENCHMARKS.md).
        struct Simulated {
            var scenario: Scenario
            var seed: UInt64
            var windows: Int
            var report: SplitReportShare?
            var progress: ProgressLine
        }
        /// Builds this process's nodes, runs them and writes its shares; throws what stopped
        /// the build (a later failure stops every process here).
        func simulateOwnNodes(_ loaded: consuming Scenario) throws -> Simulated {
            let owned = partition.owned(by: rank)
            let part = try DecisionLogPart(DecisionLogParts.Files(folder: sharesPath, rank: rank))
            let report = noReport ? nil : try SplitReportShare(SplitReportFiles(folder: sharesPath, rank: rank),
                                                               nodeNames: loaded.nodes.map(\.name))
            let run = try ScenarioRun(consume loaded, seed: seed, keepDecisions: false,
                                      captureSink: report?.captureSinkFactory(fileSink, captured: isCaptured) ?? fileSink, owned: owned)
            phases.mark("build")
            var moveLines: [String] = []
            let moves = WarningReport(quiet: false) { moveLines.append($0) }
            let setupMoves = run.reportMoves(from: 0, to: moves)
            // As in one process: the nodes' peers and routes are in the devices now (this process's
            // own) or never needed here (another's), so the loaded copies go, before the report's
            // collector reads the tables (it reads the nodes' names and addresses, which stay).
            run.releaseNodeDetails()
            if let report { run.attach(report, owned: owned) }
            let scenario = run.scenario
            phases.mark("attach")

            let progress = ProgressLine(started: started, label: scenario.name)
            let limit = maxDecisions
            let simulation = run.simulation
            run.onDecision = { [unowned run] record in
                if let status = RunInterruption.exitStatus { stopAll(Self.interrupted(status), status: status) }
                if run.decisionCount > limit {
                    stopAll("stopped: this process would make more than \(limit) decisions (--max-decisions \(limit), "
                            + "counted per process in a split run)")
                }
                part.write(record, key: simulation.progressKey)
                report?.observe(record)
                if lead { progress.tick(simulatedTime: record.t, decisions: run.decisionCount) }
            }
            let windows = WindowedRun(simulation: simulation, communicator: communicator, partition: partition, phases: phases)
            // The decision log's lines and the report's steps are written while this process
            // waits for the others.
            windows.whileWaiting = {
                let composed = part.composePending()
                let written = report?.writePending() ?? false
                return composed || written
            }
            run.advance = { windows.advance($0) }
            run.run()
            phases.mark("run")
            _ = run.finish()
            if let replayFailure = run.replayFailure { stopAll(replayFailure.description) }
            run.reportMoves(from: setupMoves, to: moves)
            do {
                try part.close()
                try captures.close()
                try report?.finish(end: simulation.now, keepingSnapshot: rank == pageMaker)
            } catch let error as SplitShareError {
                stopAll(error.description)
            } catch {
                stopAll(FileProblem.words(for: error))
            }
            do {
                var mine = run.share(owned: owned, warnings: moveLines, warningCount: moves.count)
                mine.datagramsSent = windows.sent
                try mine.write(to: SplitRunShare.path(folder: sharesPath, rank: rank))
            } catch let error as SplitShareError {
                stopAll(error.description)
            } catch {
                stopAll(FileProblem.words(for: error))
            }
            run.onDecision = nil
            run.advance = nil
            phases.mark("shares")
            return Simulated(scenario: scenario, seed: run.seed, windows: windows.windows, report: report, progress: progress)
        }
        let simulated: Simulated
        do {
            simulated = try simulateOwnNodes(consume loaded)
        } catch let error as SplitShareError {
            stopAll(error.description)
        } catch {
            stopAll(FileProblem.words(for: error))
        }
        let (scenario, report, progress) = (simulated.scenario, simulated.report, simulated.progress)
        // Every share is whole on disk once every process is past this point (a process that
        // could not write its share stopped them all).
        communicator.barrier()
        phases.mark("barrier")
        /// Every process's results, by rank.
        func readShares() throws -> [SplitRunShare] {
            try (0..<communicator.size).map { try SplitRunShare.read(from: SplitRunShare.path(folder: sharesPath, rank: $0)) }
        }
        /// An error as the words process 0 prints: a share that cannot be read is named with
        /// what is wrong with it.
        func words(_ error: Error) -> String {
            if let share = error as? SplitShareError { return ScenarioError(file: share.path, line: nil, share.reason).description }
            return (error as? ScenarioError).map(\.description) ?? FileProblem.words(for: error)
        }
        guard lead else {
            var problem: [UInt8] = []
            if rank == pageMaker {
                do {
                    let shares = try readShares()
                    let totals = ScenarioRun.combine(shares, scenario: scenario)
                    let page = try SplitRunReport.page(scenario: scenario, seed: simulated.seed, shares: shares, totals: totals,
                                                       files: (0..<communicator.size).map { SplitReportFiles(folder: sharesPath, rank: $0) },
                                                       kept: report.map { (rank, $0) })
                    do {
                        try page.write(toFile: stagingPath + "/" + OutputFiles.report, atomically: false, encoding: .utf8)
                    } catch {
                        throw FileProblem.error(out + "/" + OutputFiles.report, "cannot be written", error)
                    }
                } catch {
                    problem = Array(words(error).utf8)
                }
            }
            phases.mark("page")
            _ = communicator.gather(problem)   // process 0 learns whether the page was made
            phases.mark("gather")
            if phases.enabled { FileHandleOutput.standardError(phases.text) }
            communicator.finish()   // not process 0: its part is done
            return
        }

        // Process 0: combine, merge, commit, report.
        progress.done()
        var problem: String?
        var shares: [SplitRunShare] = []
        var totals: SplitRunTotals?
        let warnings = WarningReport(quiet: quiet) { FileHandleOutput.standardError($0) }
        do {
            shares = try readShares()
            totals = ScenarioRun.combine(shares, scenario: scenario)
            warnings.add(loadWarnings)
            for share in shares {
                for line in share.warnings { warnings.add(worded: line) }
                warnings.add(unworded: share.warningCount - share.warnings.count)
            }
            warnings.finish()
            try DecisionLogParts.merge((0..<communicator.size).map { DecisionLogParts.Files(folder: sharesPath, rank: $0) },
                                       jsonlPath: stagingPath + "/" + OutputFiles.decisionsJSONL,
                                       textPath: stagingPath + "/" + OutputFiles.decisionsText)
            let keys = (totals?.keyLog ?? []).map { $0 + "\n" }.joined()
            do { try keys.write(toFile: stagingPath + "/" + OutputFiles.keyLog, atomically: false, encoding: .utf8) } catch {
                throw FileProblem.error(out + "/" + OutputFiles.keyLog, "cannot be written", error)
            }
        } catch {
            problem = words(error)
        }
        phases.mark("merge")
        // Every process answers, the page maker with what went wrong, if anything.
        let answers = communicator.gather([]) ?? []
        phases.mark("gather")
        if problem == nil, let page = answers.first(where: { !$0.isEmpty }) { problem = String(decoding: page, as: UTF8.self) }
        try? FileManager.default.removeItem(atPath: sharesPath)
        if problem == nil, let status = RunInterruption.exitStatus { stopAll(Self.interrupted(status), status: status) }
        if problem == nil {
            do { try staging?.commit() } catch { problem = words(error) }
        }
        guard let totals, problem == nil else {
            staging?.discard()
            communicator.finish()
            FileHandleOutput.standardError("wgsim run: \(problem ?? "the results could not be combined")\n")
            throw badInputExit
        }
        FileHandleOutput.standardOutput(RunReport.text(scenario: scenario, seed: simulated.seed, decisionCount: totals.decisionCount,
                                                       now: totals.now, summary: totals.summary, results: totals.results,
                                                       quiet: quiet,
                                                       partition: partition.line(windows: simulated.windows,
                                                                                 datagrams: shares.map(\.datagramsSent).reduce(0, +))))
        phases.mark("commit")
        if phases.enabled { FileHandleOutput.standardError(phases.text) }
        communicator.finish()
        let goldenFailed = try goldenStep(goldenFolder)
        if goldenFailed || totals.results.contains(where: { !$0.passed }) { throw ExitCode(1) }
        if strict && warnings.count > 0 {
            FileHandleOutput.standardError("wgsim run: --strict: \(warnings.count) warning\(warnings.count == 1 ? "" : "s"), exit status 1\n")
            throw ExitCode(1)
        }
    }
}
