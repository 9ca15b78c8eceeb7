import CMPIShim
import Foundation

/// The processes of a split run and the collective operations between them: MPI's
/// MPI_COMM_WORLD through the CMPIShim functions. Made only when the process was started by a
/// launcher with more than one process (`MPILaunch.processCount`), so a plain `wgsim run` never
/// touches MPI.
public final class Communicator {
    /// This process's rank, 0..<size.
    public let rank: Int
    /// How many processes run.
    public let size: Int
    private var finalized = false

    /// Starts MPI (MPI_Init); nil when it will not start.
    public init?() {
        guard wgsim_mpi_init() == 0 else { return nil }
        rank = Int(wgsim_mpi_rank())
        size = Int(wgsim_mpi_size())
    }

    /// Ends MPI normally, once every process has reached this point.
    public func finish() {
        guard !finalized else { return }
        finalized = true
        _ = wgsim_mpi_finalize()
    }

    /// Returns once every process has called it.
    public func barrier() { _ = wgsim_mpi_barrier() }

    /// Stops every process of the job with exit status `status` (MPI_Abort).
    public func abortAll(status: Int32) -> Never {
        wgsim_mpi_abort(status)
        exit(status)   // MPI_Abort does not return; this only satisfies the type checker
    }

    /// Sends `parts[r]` to process r (every other process gets a message, empty or not) and
    /// returns, by rank, what each other process sent to this one (empty for this rank): one round
    /// of messages, the sizes read from the messages themselves.
    ///
    /// `whileWaiting`, called again and again while the others' parts have not all come, does a
    /// small piece of work put off until now and returns whether there was any: the wait for a
    /// slower process is spent on it instead of idle.
    public func exchange(sized parts: [[UInt8]], whileWaiting: (() -> Bool)? = nil) -> [[UInt8]] {
        precondition(parts.count == size, "one part per process")
        let sendCounts = parts.map { Int32($0.count) }
        let sendOffsets = Self.offsets(sendCounts)
        let send = parts.flatMap { $0 }
        var receiveCounts = [Int32](repeating: 0, count: size)
        var received: UnsafeMutablePointer<UInt8>?
        let idle = IdleWork(whileWaiting)
        send.withUnsafeBufferPointer { sendBytes in
            withExtendedLifetime(idle) {
                if whileWaiting == nil {
                    _ = wgsim_mpi_exchange_sized(sendBytes.baseAddress, sendCounts, sendOffsets, &received, &receiveCounts, nil, nil)
                } else {
                    _ = wgsim_mpi_exchange_sized(sendBytes.baseAddress, sendCounts, sendOffsets, &received, &receiveCounts,
                                                 { context in
                                                     guard let context else { return 0 }
                                                     return Unmanaged<IdleWork>.fromOpaque(context).takeUnretainedValue().work() ? 1 : 0
                                                 },
                                                 Unmanaged.passUnretained(idle).toOpaque())
                }
            }
        }
        defer { free(received) }
        var at = 0
        return receiveCounts.map { count in
            defer { at += Int(count) }
            guard count > 0, let received else { return [] }
            return Array(UnsafeBufferPointer(start: received + at, count: Int(count)))
        }
    }

    /// Every process's bytes, by rank, at process 0 (other processes get nil).
    public func gather(_ bytes: [UInt8]) -> [[UInt8]]? {
        var counts = [Int32](repeating: 0, count: size)
        _ = wgsim_mpi_gather_counts(Int32(bytes.count), &counts)
        let offsets = Self.offsets(counts)
        var receive = [UInt8](repeating: 0, count: rank == 0 ? Int(counts.reduce(0, +)) : 0)
        bytes.withUnsafeBufferPointer { send in
            receive.withUnsafeMutableBufferPointer { received in
                _ = wgsim_mpi_gatherv(send.baseAddress, Int32(bytes.count), received.baseAddress, counts, offsets)
            }
        }
        guard rank == 0 else { return nil }
        return (0..<size).map { r in Array(receive[Int(offsets[r])..<Int(offsets[r] + counts[r])]) }
    }

    /// Process 0's bytes, in every process.
    public func broadcast(_ bytes: [UInt8]) -> [UInt8] {
        var count = [UInt8](withUnsafeBytes(of: Int32(bytes.count).littleEndian, Array.init))
        _ = wgsim_mpi_broadcast(&count, 4)
        let length = Int(Int32(littleEndian: count.withUnsafeBytes { $0.loadUnaligned(as: Int32.self) }))
        var buffer = rank == 0 ? bytes : [UInt8](repeating: 0, count: length)
        _ = wgsim_mpi_broadcast(&buffer, Int32(length))
        return buffer
    }

    /// The work `exchange` hands the C wait loop, behind the opaque pointer it passes back.
    private final class IdleWork {
        let work: () -> Bool
        init(_ work: (() -> Bool)?) { self.work = work ?? { false } }
    }

    private static func offsets(_ counts: [Int32]) -> [Int32] {
        var offsets: [Int32] = []
        var total: Int32 = 0
        for count in counts {
            offsets.append(total)
            total += count
        }
        return offsets
    }
}

/// Whether a launcher started this process as one of several (Open MPI's `mpirun`, or a PMI/
/// PMIx launcher such as Slurm's `srun`), read from the environment it sets.
public enum MPILaunch {
    /// The number of processes of the job, or nil when this process was not started by an MPI
    /// launcher (or started alone): then a run takes the one-process path without starting MPI.
    public static var processCount: Int? {
        let environment = ProcessInfo.processInfo.environment
        for name in ["OMPI_COMM_WORLD_SIZE", "PMIX_SIZE", "PMI_SIZE"] {
            if let text = environment[name], let count = Int(text), count > 1 { return count }
        }
        return nil
    }
}
