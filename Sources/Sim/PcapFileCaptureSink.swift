import NetAddress
import Packet
import Pcap
import WireGuard

/// Streams one interface's packets into a pcap file stamped with the scenario's start time plus
/// simulated time, through the Pcap module's `PcapWriter` (classic pcap, nanosecond magic,
/// little-endian, LINKTYPE_RAW) with the buffering meant for many files side by side.
///
/// Sinks of one run share a `PcapFilePool`, so each holds a descriptor only while the pool
/// allows. Capturing cannot throw (the simulation goes on), so the first error — a packet that
/// does not fit a record, a failed write or reopen — is kept, later packets are dropped, and
/// `close` reports it.
///
/// Given an `OutputPipeline` with more than one thread, `capture` only hands the packet to the
/// pipeline's capture lane, which writes it; `close` waits for the lane first.
public final class PcapFileCaptureSink: CaptureSink {
    public var path: String { writer.path }
    private let writer: PcapWriter
    private let startUnixNanoseconds: Int64
    // Unchecked: read on every capture, around a call into the writer, so the compiler cannot
    // prove the accesses apart and checked each one at run time (swift_beginAccess, about 75
    // instructions per packet); the sink is used from one thread and never overlaps them.
    @exclusivity(unchecked) private var firstError: Error?
    @exclusivity(unchecked) private var closed = false
    /// Where packets go when they are written off the event thread (nil: written here).
    private let handOff: CaptureHandOff?

    /// Creates (truncates) the file and writes the pcap header; throws if it cannot be created.
    /// Sinks of one run share the run's `pool`; a sink made alone keeps its own file open. Sinks
    /// sharing a pool must share the `pipeline` too (one lane then writes all of them).
    public init(path: String, startUnixNanoseconds: Int64, pool: PcapFilePool? = nil, pipeline: OutputPipeline? = nil) throws {
        writer = try PcapWriter(path: path, linkType: .raw, buffering: .manyFiles, pool: pool)
        self.startUnixNanoseconds = startUnixNanoseconds
        handOff = pipeline?.captureHandOff
    }

    deinit {
        // Packets handed off name this sink without keeping it alive: let them be written first.
        handOff?.drain()
    }

    public func capture(time: Int64, packet: [UInt8]) {
        if let handOff { handOff.add(self, time: time, packet: packet) } else { write(time: time, packet: packet) }
    }

    /// With a capture lane, a WireGuard datagram is handed over as its endpoints and payload and
    /// the lane writes its headers (their UDP checksum covers the whole payload) and payload into
    /// the file's buffer: the event thread never makes those bytes (docs/performance.md,
    /// sessions 9 and 10).
    public var wantsDatagramBytes: Bool { handOff == nil }

    public func captureDatagram(time: Int64, from source: Endpoint, to destination: Endpoint, payload: [UInt8]) {
        if let handOff {
            handOff.add(self, time: time, from: source, to: destination, payload: payload)
        } else {
            writeUDP(time: time, from: source, to: destination, payload: payload)
        }
    }

    /// A transport datagram sent unsealed: the capture lane seals it (`sealedMessage()`, made once
    /// for both ends' captures and the receiver's open check), or without a lane it is sealed
    /// here, a copy.
    public func captureDatagram(time: Int64, from source: Endpoint, to destination: Endpoint, sealing seal: PendingTransportSeal) {
        if let handOff {
            handOff.add(self, time: time, from: source, to: destination, sealing: seal)
        } else {
            writeUDP(time: time, from: source, to: destination, payload: seal.sealedCopy())
        }
    }

    /// Writes one packet (on the capture lane when there is one, else on the caller's thread).
    func write(time: Int64, packet: [UInt8]) {
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

    /// Writes the datagram `PacketBuilder.udp(from:to:payload:)` makes, without building it: its
    /// headers go straight into the writer's buffer and the payload is copied once (on the
    /// capture lane when there is one, else on the caller's thread). `payloadSum`: the payload's
    /// `InternetChecksum.sum`, if the caller has it (a transport datagram's, kept by its seal).
    func writeUDP(time: Int64, from source: Endpoint, to destination: Endpoint, payload: [UInt8], payloadSum: UInt64? = nil) {
        guard !closed, firstError == nil else { return }
        let (timestamp, overflow) = startUnixNanoseconds.addingReportingOverflow(time)
        guard !overflow else {
            firstError = PcapError(path: path, "packet at \(startUnixNanoseconds) + \(time) ns does not fit a pcap record")
            return
        }
        do { try writer.writeUDP(from: source, to: destination, payload: payload, payloadSum: payloadSum, timestamp: timestamp) } catch { firstError = error }
    }

    /// Writes what is buffered and closes the file; throws the first error met.
    public func close() throws {
        handOff?.drain()
        if !closed {
            closed = true
            do { try writer.close() } catch { if firstError == nil { firstError = error } }
        }
        if let firstError { throw firstError }
    }
}
