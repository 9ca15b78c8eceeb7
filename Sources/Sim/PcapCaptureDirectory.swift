import Pcap

/// Writes `DIR/NODE-IFACE.pcap` for every interface of a run and closes them all at the end.
/// A thin convenience over `PcapFileCaptureSink`: its sinks share one `PcapFilePool`, which lets
/// a run with 100,000 nodes (200,000 interfaces) stay far below the descriptor limit.
public final class PcapCaptureDirectory {
    public let directory: String
    private let startUnixNanoseconds: Int64
    private let pool: PcapFilePool
    private let pipeline: OutputPipeline?
    private var sinks: [PcapFileCaptureSink] = []

    /// `maxOpenFiles` bounds the files this directory's sinks keep open at once; with a
    /// `pipeline`, packets are written on its capture lane.
    public init(directory: String, startUnixNanoseconds: Int64, maxOpenFiles: Int = 256, pipeline: OutputPipeline? = nil) {
        self.directory = directory
        self.startUnixNanoseconds = startUnixNanoseconds
        pool = PcapFilePool(limit: maxOpenFiles)
        self.pipeline = pipeline
    }

    /// The sink for interface `name` (e.g. `server-eth0`), writing `DIR/name.pcap`; the file is
    /// created at once. Usable as a `CaptureSinkFactory`.
    public func sink(named name: String) throws -> CaptureSink {
        let sink = try PcapFileCaptureSink(path: directory + "/" + name + ".pcap",
                                           startUnixNanoseconds: startUnixNanoseconds, pool: pool, pipeline: pipeline)
        sinks.append(sink)
        return sink
    }

    /// Flushes and closes every file; throws the first error of any.
    public func close() throws {
        var first: Error?
        pipeline?.captureHandOff?.drain()
        for sink in sinks {
            do { try sink.close() } catch { if first == nil { first = error } }
        }
        if let first { throw first }
    }
}
