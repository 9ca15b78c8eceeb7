import WireGuard

/// Why a run stopped: a transport message opened beside the event loop did not give what its
/// sender sealed. Only a bug in the simulator can cause it (the underlay never changes a
/// message's bytes), so the run's outputs must not be kept.
public struct TransportOpenVerificationError: Error, Equatable, CustomStringConvertible {
    /// The first failed check, in words: where and when, and what the open gave.
    public let message: String
    public var description: String { message }
}

/// The opens of transport messages that receiving devices took as known
/// (`DeviceEventOutlet.verifiesOpen`), each run later with libsodium as a verification: on the
/// pipeline's capture lane, which reads the same message bytes for the eth0 captures, or, with
/// one thread, on the event thread as each is made, where the pipeline runs its other work.
/// The checks run in the order the simulation made them. The first failure is kept, the checks
/// after it are skipped, and `close()` reports it — the route a failed capture write takes.
public final class TransportOpenVerifier {
    /// One check and where the simulation made it (for the message if it fails).
    private struct Entry {
        let check: TransportOpenCheck
        let time: Int64
        let node: Int32
    }

    /// What the checks found, written only by the thread that runs them (the lane, or the
    /// event thread without one) and read by the event thread after the lane is drained.
    /// Unchecked: one thread at a time uses it (the lane's lock orders them), and the runtime's
    /// exclusivity checks on these fields cost ~80 instructions a check.
    private final class Outcome: @unchecked Sendable {
        /// The first failed check: the message worded but for the node, named by `close`.
        @exclusivity(unchecked) var failure: (node: Int, words: String)?
        /// How many checks ran and held.
        @exclusivity(unchecked) var verified = 0
        /// libsodium's output for the check running now, reused from check to check.
        @exclusivity(unchecked) var scratch: [UInt8] = []

        /// Runs the check `entry` holds, read where it lies (`inout`: exclusive access lets it be
        /// borrowed without a copy; a pointer's `pointee` was copied, a retain of each reference).
        func run(_ entry: inout Entry) {
            run(entry.check, time: entry.time, node: Int(entry.node))
        }

        /// Runs one check made at `node` at `time` (the one implementation, lane or not).
        func run(_ check: borrowing TransportOpenCheck, time: Int64, node: Int) {
            guard failure == nil else { return }
            guard let problem = check.problem(scratch: &scratch) else {
                verified += 1
                return
            }
            let message = check.message
            let index = message.count >= 8 ? UInt32(message[4]) | UInt32(message[5]) << 8 | UInt32(message[6]) << 16 | UInt32(message[7]) << 24 : 0
            var counter: UInt64 = 0
            if message.count >= 16 { for i in 0..<8 { counter |= UInt64(message[8 + i]) << (8 * UInt64(i)) } }
            failure = (node, "received at \(TimeText.seconds(time)) s (receiver index \(index), counter \(counter), "
                + "\(message.count) bytes) was taken as opened to the packet its sender sealed, but libsodium's open of it "
                + "says otherwise: \(problem). This is a bug in wgsim; the run's outputs are not kept")
        }
    }

    /// A batch of checks for the lane; it owns the storage they were collected in.
    private final class Batch: WorkerJob, @unchecked Sendable {
        let entries: UnsafeMutablePointer<Entry>
        let count: Int
        let outcome: Outcome
        /// How many entries `run` has moved out; deinit destroys the rest.
        private var taken = 0
        init(_ entries: UnsafeMutablePointer<Entry>, count: Int, outcome: Outcome) {
            self.entries = entries
            self.count = count
            self.outcome = outcome
        }
        /// Each entry is checked where it lies and then destroyed: moved out first, its check
        /// was copied again to be passed on (a retain of each of its three references) and
        /// destroyed twice (docs/performance.md, session 13).
        func run() {
            var next = taken
            while next < count {
                let entry = entries + next
                outcome.run(&entry.pointee)
                entry.deinitialize(count: 1)
                next += 1
            }
            taken = next
        }
        deinit {
            (entries + taken).deinitialize(count: count - taken)
            entries.deallocate()
        }
    }

    /// Checks per batch (see `CaptureHandOff.batchSize`).
    private static let batchSize = 256
    private let lane: WorkerLane?
    private let outcome = Outcome()
    /// The checks collected for the next batch, the first `batchCount` set (behind pointers: a
    /// class's `var` costs a runtime exclusivity check per access, and these are used per packet).
    @exclusivity(unchecked) private var batch: UnsafeMutablePointer<Entry>
    private let batchCount: UnsafeMutablePointer<Int>

    /// `lane`: where the checks run (nil: on the caller's thread, each as it is added).
    init(lane: WorkerLane?) {
        self.lane = lane
        batch = .allocate(capacity: Self.batchSize)
        batchCount = .allocate(capacity: 1)
        batchCount.initialize(to: 0)
    }

    deinit {
        lane?.drain()
        batch.deinitialize(count: batchCount.pointee)
        batch.deallocate()
        batchCount.deallocate()
    }

    /// Whether the lane keeps up: fewer than half of its queue's batches were waiting when a
    /// batch was last handed to it (half: where a producer that found the queue full resumes,
    /// so a lane that takes seals never makes the event thread wait for room). Read by the
    /// event thread to decide where a seal runs (`NodeDeviceOutlet.defersTransportSeals`): on
    /// the lane while it has room, on the event thread while the lane is behind, so the two
    /// threads share the seals. The bytes are the
    /// same either way (the seal is a function of key, counter and plaintext); only where the
    /// work runs depends on timing.
    var laneHasRoom: Bool {
        guard let lane else { return false }
        return lane.backlogAtLastSubmit < lane.capacity / 2
    }

    /// Names a node (by position) in a failure's message; asked only by `close`, on its caller's
    /// thread (a table of every node's name would cost memory per node for a message that a
    /// correct simulator never shows).
    private var nodeName: (Int) -> String? = { _ in nil }

    /// Sets how a failure's message names its node; called before the run.
    func nameNodes(by name: @escaping (Int) -> String?) { nodeName = name }

    /// Queues one check made at `node` at simulated `time`; without a lane, runs it now. (Held
    /// for a batch on the event thread, 256 messages and packets stayed alive longer and the
    /// allocator's work for every packet grew: the one-thread run cost 0.9 % more instructions
    /// than opening each message at once; docs/performance.md, session 11.)
    @inline(__always)
    func add(_ check: consuming TransportOpenCheck, time: Int64, node: Int) {
        guard lane != nil else {
            outcome.run(check, time: time, node: node)
            return
        }
        let i = batchCount.pointee
        (batch + i).initialize(to: Entry(check: check, time: time, node: Int32(truncatingIfNeeded: node)))
        batchCount.pointee = i + 1
        if i + 1 >= Self.batchSize { submit() }
    }

    /// Hands over (or, without a lane, runs) what is collected.
    func flush() { if batchCount.pointee > 0 { submit() } }

    private func submit() {
        let job = Batch(batch, count: batchCount.pointee, outcome: outcome)
        batch = .allocate(capacity: Self.batchSize)
        batchCount.pointee = 0
        if let lane { lane.submit(job) } else { job.run() }
    }

    /// Runs every check queued so far and waits for them; throws the first that failed.
    public func close() throws {
        flush()
        lane?.drain()
        if let failure = outcome.failure {
            let name = nodeName(failure.node) ?? "#\(failure.node)"
            throw TransportOpenVerificationError(message: "internal error: the transport message node \(name) " + failure.words)
        }
    }

    /// How many checks ran and held (read after `close()`).
    public var verified: Int {
        lane?.drain()
        return outcome.verified
    }
}
