import Foundation
import Pcap
import Sim

/// Writes a run's outputs into a folder as they are produced: decisions.jsonl and decisions.txt
/// (the simulator's `DecisionLogWriter`), one pcap per interface under pcap/ (its
/// `PcapCaptureDirectory`, which bounds the files held open), wireguard.keys as each secret is
/// first used, and report.html (`ReportCollection`, unless the report was turned off) at the end.
///
/// The folder is meant to be an `OutputStaging` folder, fresh and private to this run: the
/// outputs reach the folder the user named only when the run has finished and `commit` moves
/// them there, so a failed or interrupted run leaves the user's earlier outputs as they were.
public final class RunOutputs {
    public let folder: String
    /// The folder named in messages: where the files will be once committed.
    private let shownAs: String
    private let log: DecisionLogWriter
    private let captures: PcapCaptureDirectory
    /// Nodes whose interfaces are captured (nil: all).
    private let captured: Set<String>?
    /// What the report page is made from, gathered as the run goes; nil: no report.html.
    public let report: ReportCollection?
    /// The threads the log and captures are written on (`--threads`).
    let pipeline: OutputPipeline
    /// wireguard.keys, written line by line as the run uses each secret (`writeKeyLogLine`).
    private let keyLogFile: BufferedTextFile
    /// The first failure writing wireguard.keys, reported by `finish`.
    private var keyLogFailure: Error?

    /// Creates pcap/ inside `folder` and opens the decision logs there; messages name files as
    /// if they were in `shownAs` (default `folder`). `threads` > 1 writes the log and captures
    /// beside the event loop (`OutputPipeline`), with the same bytes.
    public init(folder: String, shownAs: String? = nil, startUnixNanoseconds: Int64, captureNodes: Set<String>? = nil,
                report: ReportCollection? = nil, threads: Int = 1) throws {
        self.folder = folder
        self.report = report
        pipeline = OutputPipeline(threads: threads)
        self.shownAs = shownAs ?? folder
        captured = captureNodes
        let shown = self.shownAs
        do {
            try FileManager.default.createDirectory(atPath: folder + "/" + OutputFiles.captureFolder, withIntermediateDirectories: true)
        } catch {
            throw FileProblem.error(shown + "/" + OutputFiles.captureFolder, "cannot create the folder", error)
        }
        do {
            log = try DecisionLogWriter(jsonlPath: folder + "/" + OutputFiles.decisionsJSONL,
                                        textPath: folder + "/" + OutputFiles.decisionsText, pipeline: pipeline)
        } catch {
            throw FileProblem.error(shown + "/" + OutputFiles.decisionsJSONL, "cannot be created", error)
        }
        do {
            keyLogFile = try BufferedTextFile(path: folder + "/" + OutputFiles.keyLog, reportedPath: shown + "/" + OutputFiles.keyLog)
        } catch {
            throw FileProblem.error(shown + "/" + OutputFiles.keyLog, "cannot be created", error)
        }
        captures = PcapCaptureDirectory(directory: folder + "/" + OutputFiles.captureFolder, startUnixNanoseconds: startUnixNanoseconds,
                                        pipeline: pipeline)
    }

    /// The capture-sink factory to give the simulation: `pcap/NODE-IFACE.pcap` for captured
    /// nodes; other interfaces' packets are discarded (and no file is written for them). With a
    /// report, every sink is wrapped so that the report knows each packet's frame number.
    public var captureSink: CaptureSinkFactory {
        guard let report else { return fileSink }
        return report.captureSinkFactory(fileSink, captured: { [unowned self] in self.isCaptured($0) })
    }

    /// Whether interface `name` (`NODE-IFACE`) is written to a file.
    private func isCaptured(_ name: String) -> Bool {
        guard let captured, let dash = name.lastIndex(of: "-") else { return true }
        return captured.contains(String(name[..<dash]))
    }

    private var fileSink: CaptureSinkFactory {
        { [unowned self] name in
            if !self.isCaptured(name) {
                // One shared sink for every interface that is not written: 100,000 clients of a
                // hub captured with `--capture hub` then cost no sink object each.
                return DiscardingCaptureSink.shared
            }
            do { return try self.captures.sink(named: name) } catch {
                throw FileProblem.error(self.shown(OutputFiles.captureFolder + "/" + name + ".pcap"), "cannot be created", error)
            }
        }
    }

    /// Lets `simulation` open transport messages beside the event loop, verified on this run's
    /// threads (`Simulation.verifyTransportOpens(on:)`); `finish` reports a failed check.
    public func verifyTransportOpens(of simulation: Simulation) { simulation.verifyTransportOpens(on: pipeline) }

    public func write(_ record: consuming DecisionRecord) {
        report?.observe(record)
        log.write(record)
    }

    /// Appends one line to wireguard.keys (give it the simulation's `onKeyLogLine`): a run with
    /// many handshakes then never holds its key log in memory. A failure is kept for `finish`.
    public func writeKeyLogLine(_ line: String) {
        guard keyLogFailure == nil else { return }
        do { try keyLogFile.write(line + "\n") } catch { keyLogFailure = error }
    }

    /// Flushes everything and writes `reportPage` (report.html, when there is a report); throws
    /// the first write error, in words.
    public func finish(reportPage: String? = nil) throws {
        defer { pipeline.stop() }
        // A failed verification is a bug of the simulator, not of a file: said as it is.
        do { try pipeline.transportOpens.close() } catch { throw ScenarioError(file: shownAs, line: nil, "\(error)") }
        do { try log.close() } catch let e as DecisionLogError {
            throw FileProblem.error(shown(String(e.path.dropFirst(folder.count + 1))), "cannot be written", e)
        }
        do { try captures.close() } catch let e as PcapError {
            throw FileProblem.error(shown(String(e.path.dropFirst(folder.count + 1))), e.frame.map { "frame \($0)" } ?? "cannot be written", e)
        }
        if keyLogFailure == nil { do { try keyLogFile.close() } catch { keyLogFailure = error } }
        if let keyLogFailure { throw FileProblem.error(shown(OutputFiles.keyLog), "cannot be written", keyLogFailure) }
        if let reportPage {
            do { try reportPage.write(toFile: folder + "/" + OutputFiles.report, atomically: false, encoding: .utf8) } catch {
                throw FileProblem.error(shown(OutputFiles.report), "cannot be written", error)
            }
        }
    }

    /// Ends the writing threads (after what they were given) before the folder is discarded.
    public func abandon() { pipeline.stop() }

    /// `relative` as the user will find it.
    private func shown(_ relative: String) -> String { shownAs + "/" + relative }
}
