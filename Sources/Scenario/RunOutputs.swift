import Foundation
import Sim

/// Writes a run's outputs into a folder as they are produced: decisions.jsonl and decisions.txt
/// (the simulator's `DecisionLogWriter`), one pcap per interface under pcap/ (its
/// `PcapCaptureDirectory`, which bounds the files held open), and wireguard.keys at the end.
public final class RunOutputs {
    public let folder: String
    private let log: DecisionLogWriter
    private let captures: PcapCaptureDirectory
    /// Nodes whose interfaces are captured (nil: all).
    private let captured: Set<String>?

    /// Creates the folder (and pcap/), removing outputs of an earlier run there so that nothing
    /// stale is compared with golden files.
    public init(folder: String, startUnixNanoseconds: Int64, captureNodes: Set<String>? = nil) throws {
        self.folder = folder
        captured = captureNodes
        let fm = FileManager.default
        do {
            try fm.createDirectory(atPath: folder + "/pcap", withIntermediateDirectories: true)
            for old in (try? fm.contentsOfDirectory(atPath: folder + "/pcap")) ?? [] where old.hasSuffix(".pcap") {
                try fm.removeItem(atPath: folder + "/pcap/" + old)
            }
            log = try DecisionLogWriter(jsonlPath: folder + "/decisions.jsonl", textPath: folder + "/decisions.txt")
        } catch {
            throw ScenarioError(file: folder, line: nil, "cannot prepare the output folder: \(error)")
        }
        captures = PcapCaptureDirectory(directory: folder + "/pcap", startUnixNanoseconds: startUnixNanoseconds)
    }

    /// The capture-sink factory to give the simulation: `pcap/NODE-IFACE.pcap` for captured
    /// nodes; other interfaces' packets are discarded (and no file is written for them).
    public var captureSink: CaptureSinkFactory {
        { [unowned self] name in
            if let captured = self.captured, let dash = name.lastIndex(of: "-"), !captured.contains(String(name[..<dash])) {
                return DiscardingCaptureSink()
            }
            return try self.captures.sink(named: name)
        }
    }

    public func write(_ record: DecisionRecord) { log.write(record) }

    /// Flushes everything and writes the key log; throws the first write error.
    public func finish(keyLog: [String]) throws {
        try log.close()
        try captures.close()
        let keys = keyLog.map { $0 + "\n" }.joined()
        do { try keys.write(toFile: folder + "/wireguard.keys", atomically: false, encoding: .utf8) } catch {
            throw ScenarioError(file: folder + "/wireguard.keys", line: nil, "cannot be written: \(error)")
        }
    }
}

/// A capture sink for interfaces nobody asked to capture.
public final class DiscardingCaptureSink: CaptureSink {
    public init() {}
    public func capture(time: Int64, packet: [UInt8]) {}
}
