import NetAddress
import Packet
import WireGuard

/// The threads a run's outputs are written on, beside the event loop (`wgsim run --threads N`).
///
/// Turning a decision into its JSON and text lines and writing a captured packet into its pcap
/// file are pure: they read what the event loop handed over and write bytes nobody reads during
/// the run. With N threads, the event loop keeps one and hands that work to N − 1 worker lanes:
/// the decision log to the first, the captures to the second (or to the first as well when there
/// is only one). Each file is written by one lane in the order the simulation produced its
/// contents, so every N gives the same bytes; N = 1 writes on the event thread as before. The
/// log and the captures are the two streams there are to hand off, so more than 3 threads do no
/// more work than 3.
public final class OutputPipeline {
    /// The threads asked for, the event loop's included.
    public let threads: Int
    let decisionLane: WorkerLane?
    let captureLane: WorkerLane?
    /// Captured packets waiting for the capture lane, across every sink that uses this pipeline.
    let captureHandOff: CaptureHandOff?
    /// The transport opens receivers took as known, verified with libsodium on the capture lane
    /// (with one thread, on the event thread as each is made): used by a simulation given this
    /// pipeline through `Simulation.verifyTransportOpens(on:)`; `close()` it with the outputs.
    public let transportOpens: TransportOpenVerifier

    /// `threads` ≥ 1 (a caller checks the user's value; smaller values are taken as 1).
    public init(threads: Int) {
        self.threads = max(1, threads)
        if self.threads >= 2 {
            let first = WorkerLane()
            decisionLane = first
            let captures = self.threads >= 3 ? WorkerLane() : first
            captureLane = captures
            captureHandOff = CaptureHandOff(lane: captures)
        } else {
            decisionLane = nil
            captureLane = nil
            captureHandOff = nil
        }
        transportOpens = TransportOpenVerifier(lane: captureLane)
    }

    deinit { stop() }

    /// Waits for every handed-off packet and decision to be written, then ends the threads.
    /// Writers and sinks close through their own `close()`, which waits for their lane first.
    public func stop() {
        captureHandOff?.flush()
        transportOpens.flush()
        decisionLane?.stop()
        captureLane?.stop()
    }
}

/// Collects captured packets of every sink of one pipeline into batches for the capture lane:
/// the event thread only appends (a retain of the packet's bytes); the lane writes them.
final class CaptureHandOff {
    /// Where and when a packet goes; for a datagram whose headers the lane writes (`endpoints`
    /// set), its endpoints. Nothing in it is counted, so it is copied and dropped for free; the packet's
    /// bytes are kept apart (`Storage.packets`), moved in and out alone.
    private struct Entry {
        /// Not retained: the sink outlives its packets (see `add`). Called through a guaranteed
        /// reference, so a write costs no retain and release of it (an `unowned(unsafe)` field
        /// was retained around each call).
        let sink: Unmanaged<PcapFileCaptureSink>
        let time: Int64
        let endpoints: Optional<(from: Endpoint, to: Endpoint)>
        /// For a transport datagram sent unsealed, its seal (retained here, released by the
        /// lane once written; `Storage.free` releases those never taken); its packet slot is empty.
        let seal: Unmanaged<PendingTransportSeal>?
    }

    /// `batchSize` entries and their packets (or datagram payloads); the first `count` set.
    private struct Storage {
        let entries: UnsafeMutablePointer<Entry>
        let packets: UnsafeMutablePointer<[UInt8]>

        static func allocate() -> Storage {
            Storage(entries: .allocate(capacity: CaptureHandOff.batchSize), packets: .allocate(capacity: CaptureHandOff.batchSize))
        }

        /// Destroys packets `from..<to` (and releases their seals) and frees the storage.
        func free(destroying range: Range<Int>) {
            for i in range { entries[i].seal?.release() }
            (packets + range.lowerBound).deinitialize(count: range.count)
            packets.deallocate()
            entries.deallocate()
        }
    }

    /// One batch of packets, written in order by the lane. It owns the storage the hand-off
    /// collected them in (handed over whole, as `DecisionLogWriter`'s batches are).
    private final class Batch: WorkerJob, @unchecked Sendable {
        let storage: Storage
        let count: Int
        /// How many packets `run` has taken (moved out); deinit destroys the rest.
        private var taken = 0
        init(_ storage: Storage, count: Int) {
            self.storage = storage
            self.count = count
        }
        /// Each packet is moved out and released once written. An entry holding its packet was
        /// copied whole (a retain and a release of the packet) by every read of it, in place or
        /// moved out, and an array of them was destroyed through the runtime's generic
        /// per-element destroy (docs/performance.md, session 10).
        func run() {
            var next = taken
            while next < count {
                let entry = storage.entries[next]
                let packet = (storage.packets + next).move()
                next += 1
                if let seal = entry.seal, let endpoints = entry.endpoints {
                    // The lane is the seal's one thread: the first of the message's captures (or
                    // its open check) seals it, the others reuse the bytes (and the captures their sum).
                    let (payload, payloadSum) = seal.takeRetainedValue().sealedMessageAndSum()
                    entry.sink._withUnsafeGuaranteedRef {
                        $0.writeUDP(time: entry.time, from: endpoints.from, to: endpoints.to, payload: payload, payloadSum: payloadSum)
                    }
                } else if let endpoints = entry.endpoints {
                    entry.sink._withUnsafeGuaranteedRef {
                        $0.writeUDP(time: entry.time, from: endpoints.from, to: endpoints.to, payload: packet)
                    }
                } else {
                    entry.sink._withUnsafeGuaranteedRef { $0.write(time: entry.time, packet: packet) }
                }
            }
            taken = next
        }
        deinit { storage.free(destroying: taken..<count) }
    }

    /// Packets per batch: large enough that the hand-off's lock is rare, small enough that a
    /// batch's bytes stay in the cache between the threads.
    fileprivate static let batchSize = 512
    private let lane: WorkerLane
    /// The entries collected for the next batch, the first `batchCount` set; replaced by fresh
    /// storage when a full batch goes to the lane.
    @exclusivity(unchecked) private var batch: Storage
    private let batchCount: UnsafeMutablePointer<Int>

    init(lane: WorkerLane) {
        self.lane = lane
        batch = .allocate()
        batchCount = .allocate(capacity: 1)
        batchCount.initialize(to: 0)
    }

    deinit {
        batch.free(destroying: 0..<batchCount.pointee)
        batchCount.deallocate()
    }

    /// Queues one packet for `sink`; the sink stays alive until the lane has written it (its
    /// owner closes it only after `drain`).
    @inline(__always)
    func add(_ sink: PcapFileCaptureSink, time: Int64, packet: [UInt8]) {
        let i = batchCount.pointee
        (batch.entries + i).initialize(to: Entry(sink: .passUnretained(sink), time: time, endpoints: nil, seal: nil))
        (batch.packets + i).initialize(to: packet)
        batchCount.pointee = i + 1
        if i + 1 >= Self.batchSize { submit() }
    }

    /// Queues the UDP datagram `PacketBuilder.udp(from:to:payload:)` makes, built by the lane.
    @inline(__always)
    func add(_ sink: PcapFileCaptureSink, time: Int64, from source: Endpoint, to destination: Endpoint, payload: [UInt8]) {
        let i = batchCount.pointee
        (batch.entries + i).initialize(to: Entry(sink: .passUnretained(sink), time: time, endpoints: (source, destination), seal: nil))
        (batch.packets + i).initialize(to: payload)
        batchCount.pointee = i + 1
        if i + 1 >= Self.batchSize { submit() }
    }

    /// Queues the UDP datagram of a transport message sent unsealed; the lane seals it
    /// (`PendingTransportSeal.sealedMessage()`) and writes it as the other datagrams.
    @inline(__always)
    func add(_ sink: PcapFileCaptureSink, time: Int64, from source: Endpoint, to destination: Endpoint,
             sealing seal: PendingTransportSeal) {
        let i = batchCount.pointee
        (batch.entries + i).initialize(to: Entry(sink: .passUnretained(sink), time: time, endpoints: (source, destination),
                                                 seal: .passRetained(seal)))
        (batch.packets + i).initialize(to: [])
        batchCount.pointee = i + 1
        if i + 1 >= Self.batchSize { submit() }
    }

    /// Hands over what is collected (if anything).
    func flush() { if batchCount.pointee > 0 { submit() } }

    /// Hands over what is collected and waits until the lane has written every packet.
    func drain() {
        flush()
        lane.drain()
    }

    private func submit() {
        let full = batch
        let count = batchCount.pointee
        batch = .allocate()
        batchCount.pointee = 0
        lane.submit(Batch(full, count: count))
    }
}
