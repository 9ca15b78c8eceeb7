import Pcap

/// Where one interface's captured packets go: what `tcpdump -i IFACE` on that node would see,
/// as raw IP packets (LINKTYPE_RAW) stamped with simulated time.
public protocol CaptureSink: AnyObject {
    /// `time` is simulated nanoseconds since the start of the run.
    func capture(time: Int64, packet: [UInt8])
}

/// Keeps captured packets in memory (the default; tests and small runs).
public final class MemoryCaptureSink: CaptureSink {
    public private(set) var packets: [(time: Int64, bytes: [UInt8])] = []

    public init() {}

    public func capture(time: Int64, packet: [UInt8]) {
        packets.append((time, packet))
    }
}

/// Streams captured packets into a pcap file (nanosecond timestamps, LINKTYPE_RAW), stamped with
/// the scenario's start time plus simulated time. A write error is kept and reported by `close`.
public final class PcapFileCaptureSink: CaptureSink {
    private let writer: PcapWriter
    private let startUnixNanoseconds: Int64
    private var firstError: Error?

    public init(path: String, startUnixNanoseconds: Int64) throws {
        writer = try PcapWriter(path: path, linkType: .raw)
        self.startUnixNanoseconds = startUnixNanoseconds
    }

    public func capture(time: Int64, packet: [UInt8]) {
        guard firstError == nil else { return }
        do {
            try writer.write(packet, timestamp: startUnixNanoseconds + time)
        } catch {
            firstError = error
        }
    }

    /// Flushes and closes the file; throws the first write error, if any.
    public func close() throws {
        try writer.close()
        if let firstError { throw firstError }
    }
}

/// Makes the capture sink for one interface, named `NODE-IFACE` (e.g. `server-eth0`).
public typealias CaptureSinkFactory = (_ name: String) throws -> CaptureSink
