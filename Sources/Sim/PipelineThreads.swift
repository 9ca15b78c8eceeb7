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
    }

    deinit { stop() }

    /// Waits for every handed-off packet and decision to be written, then ends the threads.
    /// Writers and sinks close through their own `close()`, which waits for their lane first.
    public func stop() {
        captureHandOff?.flush()
        decisionLane?.stop()
        captureLane?.stop()
    }
}

/// Collects captured packets of every sink of one pipeline into batches for the capture lane:
/// the event thread only appends (a retain of the packet's bytes); the lane writes them.
final class CaptureHandOff {
    private struct Pending {
        unowned(unsafe) let sink: PcapFileCaptureSink
        let time: Int64
        let packet: [UInt8]
    }

    /// One batch of packets, written in order by the lane.
    private final class Batch: WorkerJob, @unchecked Sendable {
        let packets: [Pending]
        init(_ packets: [Pending]) { self.packets = packets }
        func run() { for p in packets { p.sink.write(time: p.time, packet: p.packet) } }
    }

    /// Packets per batch: large enough that the hand-off's lock is rare, small enough that a
    /// batch's bytes stay in the cache between the threads.
    private static let batchSize = 512
    private let lane: WorkerLane
    private let batch: UnsafeMutablePointer<[Pending]>

    init(lane: WorkerLane) {
        self.lane = lane
        batch = .allocate(capacity: 1)
        batch.initialize(to: [])
        batch.pointee.reserveCapacity(Self.batchSize)
    }

    deinit {
        batch.deinitialize(count: 1)
        batch.deallocate()
    }

    /// Queues one packet for `sink`; the sink stays alive until the lane has written it (its
    /// owner closes it only after `drain`).
    @inline(__always)
    func add(_ sink: PcapFileCaptureSink, time: Int64, packet: [UInt8]) {
        batch.pointee.append(Pending(sink: sink, time: time, packet: packet))
        if batch.pointee.count >= Self.batchSize { submit() }
    }

    /// Hands over what is collected (if anything).
    func flush() { if !batch.pointee.isEmpty { submit() } }

    /// Hands over what is collected and waits until the lane has written every packet.
    func drain() {
        flush()
        lane.drain()
    }

    private func submit() {
        let full = batch.pointee
        batch.pointee = []
        batch.pointee.reserveCapacity(Self.batchSize)
        lane.submit(Batch(full))
    }
}
