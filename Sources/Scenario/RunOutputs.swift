import Foundation
import Sim

/// Writes a run's outputs into a folder as they are produced: decisions.jsonl and decisions.txt
/// line by line, one pcap per interface under pcap/, and wireguard.keys at the end.
public final class RunOutputs {
    public let folder: String
    private let jsonl: BufferedFile
    private let text: BufferedFile
    private var sinks: [PcapFileCaptureSink] = []
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
        } catch {
            throw ScenarioError(file: folder, line: nil, "cannot prepare the output folder: \(error.localizedDescription)")
        }
        jsonl = try BufferedFile(path: folder + "/decisions.jsonl")
        text = try BufferedFile(path: folder + "/decisions.txt")
        self.startUnixNanoseconds = startUnixNanoseconds
    }

    private let startUnixNanoseconds: Int64

    /// The capture-sink factory to give the simulation: `pcap/NODE-IFACE.pcap` for captured
    /// nodes; other interfaces' packets are discarded (and no file is written for them).
    public var captureSink: CaptureSinkFactory {
        { [unowned self] name in
            if let captured = self.captured, let dash = name.lastIndex(of: "-"), !captured.contains(String(name[..<dash])) {
                return DiscardingCaptureSink()
            }
            let sink = try PcapFileCaptureSink(path: self.folder + "/pcap/" + name + ".pcap",
                                               startUnixNanoseconds: self.startUnixNanoseconds)
            self.sinks.append(sink)
            return sink
        }
    }

    public func write(_ record: DecisionRecord) {
        jsonl.write(record.jsonLine)
        jsonl.write("\n")
        text.write(record.textLine)
        text.write("\n")
    }

    /// Flushes everything and writes the key log; throws the first write error.
    public func finish(keyLog: [String]) throws {
        try jsonl.close()
        try text.close()
        for sink in sinks { try sink.close() }
        let keys = try BufferedFile(path: folder + "/wireguard.keys")
        for line in keyLog { keys.write(line); keys.write("\n") }
        try keys.close()
    }
}

/// A write-only file with a large buffer (stdio), for output that is written a line at a time.
final class BufferedFile {
    private var handle: UnsafeMutablePointer<FILE>?
    private let path: String
    private var failed = false

    init(path: String) throws {
        self.path = path
        handle = fopen(path, "wb")
        guard handle != nil else { throw ScenarioError(file: path, line: nil, "cannot create the file: \(String(cString: strerror(errno)))") }
        setvbuf(handle, nil, _IOFBF, 1 << 20)
    }

    func write(_ text: String) {
        guard let handle else { return }
        var t = text
        t.withUTF8 { buf in
            if fwrite(buf.baseAddress, 1, buf.count, handle) != buf.count { failed = true }
        }
    }

    func close() throws {
        guard let h = handle else { return }
        handle = nil
        if fclose(h) != 0 || failed { throw ScenarioError(file: path, line: nil, "writing failed: \(String(cString: strerror(errno)))") }
    }

    deinit { if let handle { fclose(handle) } }
}

/// A capture sink for interfaces nobody asked to capture.
public final class DiscardingCaptureSink: CaptureSink {
    public init() {}
    public func capture(time: Int64, packet: [UInt8]) {}
}

/// How many files a process may hold open, raised to the hard limit: a run writes one pcap per
/// captured interface and keeps them open until the end.
public enum OpenFileBudget {
    /// The soft limit after raising it as far as allowed, minus room for everything else.
    public static func raise() -> Int {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 1000 }
        if limit.rlim_cur < limit.rlim_max {
            limit.rlim_cur = limit.rlim_max
            _ = setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
            _ = getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        }
        return max(0, Int(clamping: limit.rlim_cur) - 64)
    }
}
