import Pcap

/// Streams one interface's packets into a pcap file stamped with the scenario's start time plus
/// simulated time, through the Pcap module's `PcapWriter` (classic pcap, nanosecond magic,
/// little-endian, LINKTYPE_RAW) with the buffering meant for many files side by side.
///
/// Sinks of one run share a `PcapFilePool`, so each holds a descriptor only while the pool
/// allows. Capturing cannot throw (the simulation goes on), so the first error — a packet that
/// does not fit a record, a failed write or reopen — is kept, later packets are dropped, and
/// `close` reports it.
public final class PcapFileCaptureSink: CaptureSink {
    public var path: String { writer.path }
    private let writer: PcapWriter
    private let startUnixNanoseconds: Int64
    // Unchecked: read on every capture, around a call into the writer, so the compiler cannot
    // prove the accesses apart and checked each one at run time (swift_beginAccess, about 75
    // instructions per packet); the sink is used from one thread and never overlaps them.
    @exclusivity(unchecked) private var firstError: Error?
    @exclusivity(unchecked) private var closed = false

    /// Creates (truncates) the file and writes the pcap header; throws if it cannot be created.
    /// Sinks of one run share the run's `pool`; a sink made alone keeps its own file open.
    public init(path: String, startUnixNanoseconds: Int64, pool: PcapFilePool? = nil) throws {
        writer = try PcapWriter(path: path, linkType: .raw, buffering: .manyFiles, pool: pool)
        self.startUnixNanoseconds = startUnixNanoseconds
    }

    public func capture(time: Int64, packet: [UInt8]) {
        guard !closed, firstError == nil else { return }
        // A loaded scenario cannot reach past pcap's time range (checked at load); the checked sum
        // keeps a programming error from trapping.
        let (timestamp, overflow) = startUnixNanoseconds.addingReportingOverflow(time)
        guard !overflow else {
            firstError = PcapError(path: path, "packet at \(startUnixNanoseconds) + \(time) ns does not fit a pcap record")
            return
        }
        do { try writer.write(packet, timestamp: timestamp) } catch { firstError = error }
    }

    /// Writes what is buffered and closes the file; throws the first error met.
    public func close() throws {
        if !closed {
            closed = true
            do { try writer.close() } catch { if firstError == nil { firstError = error } }
        }
        if let firstError { throw firstError }
    }
}
