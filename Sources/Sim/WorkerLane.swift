#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A piece of pure output work (formatting decisions, writing captured packets) handed to a
/// `WorkerLane` in one batch.
protocol WorkerJob: AnyObject {
    /// Runs on the lane's thread. Only the lane's thread touches what a job writes to until the
    /// producer has called `WorkerLane.drain()`.
    func run()
}

/// One thread beside the event loop that runs jobs in the order they were submitted, with a
/// bounded queue between: `submit` waits while `capacity` jobs are pending, so a fast event loop
/// cannot pile up unbounded memory in front of a slower writer. Every output file is written by
/// exactly one lane, in the order its producer submitted, so the bytes are those the event
/// thread would have written itself.
///
/// Jobs come in batches (hundreds of decisions or packets each): one lock per batch, not per
/// item. A producer that finds the queue full sleeps until the worker has emptied half of it,
/// and the worker wakes it only then (or when the queue is empty, for `drain`): on a loaded
/// machine every wake-up can cost a wait for a core, so there are few of them.
final class WorkerLane: @unchecked Sendable {
    private let lock = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    /// Signalled when a job arrives or the lane is told to stop (the worker waits on it).
    private let hasWork = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    /// Signalled when a job finishes (a producer waits on it for room or for `drain`).
    private let jobDone = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    /// How many submitted batches may wait at once.
    let capacity: Int
    // Guarded by `lock`.
    private var pending: [WorkerJob] = []
    private var head = 0
    private var running = false
    private var stopping = false
    /// A producer sleeps in `submit` until the queue is down to half.
    private var producerWaiting = false
    private var thread: pthread_t?

    /// `capacity`: how many submitted batches may wait at once.
    init(capacity: Int = 32) {
        self.capacity = max(1, capacity)
        pthread_mutex_init(lock, nil)
        pthread_cond_init(hasWork, nil)
        pthread_cond_init(jobDone, nil)
        let context = Unmanaged.passRetained(self).toOpaque()
        var created = pthread_t()
        if pthread_create(&created, nil, { context in
            // Linux declares the argument optional, Darwin does not; both get a non-nil pointer.
            let raw: UnsafeMutableRawPointer? = context
            guard let raw else { return nil }
            Unmanaged<WorkerLane>.fromOpaque(raw).takeRetainedValue().work()
            return nil
        }, context) == 0 {
            thread = created
        } else {
            // No thread: jobs run on the caller (`submit`), which is the one-thread path.
            Unmanaged<WorkerLane>.fromOpaque(context).release()
        }
    }

    deinit {
        pthread_cond_destroy(jobDone)
        pthread_cond_destroy(hasWork)
        pthread_mutex_destroy(lock)
        jobDone.deallocate()
        hasWork.deallocate()
        lock.deallocate()
    }

    /// How many jobs were waiting (or running) when `submit` last queued one, as the producer saw
    /// it: read by the producer's own thread only (set inside `submit`, under the lock), so a
    /// producer can tell whether the lane keeps up (`TransportOpenVerifier.laneHasRoom`).
    @exclusivity(unchecked) private(set) var backlogAtLastSubmit = 0

    /// Queues `job` behind every job submitted before it; waits while the queue is full.
    func submit(_ job: WorkerJob) {
        guard thread != nil else { job.run(); return }
        pthread_mutex_lock(lock)
        backlogAtLastSubmit = pending.count - head + (running ? 1 : 0)
        if pending.count - head >= capacity {
            producerWaiting = true
            while pending.count - head > capacity / 2 { pthread_cond_wait(jobDone, lock) }
            producerWaiting = false
        }
        // Taken slots are dropped once there are as many as the queue holds, so a queue that
        // never runs empty in a long run does not grow.
        if head >= capacity { pending.removeFirst(head); head = 0 }
        pending.append(job)
        pthread_cond_signal(hasWork)
        pthread_mutex_unlock(lock)
    }

    /// Queue slots held, taken ones included (bounded by twice `capacity`; for tests).
    var slotsHeld: Int {
        pthread_mutex_lock(lock)
        defer { pthread_mutex_unlock(lock) }
        return pending.count
    }

    /// Returns once every job submitted so far has run; what they wrote is then visible to the
    /// caller (the lock orders it).
    func drain() {
        guard thread != nil else { return }
        pthread_mutex_lock(lock)
        while head < pending.count || running { pthread_cond_wait(jobDone, lock) }
        pthread_mutex_unlock(lock)
    }

    /// Runs what is queued, then ends the thread and waits for it. Submitting afterwards runs
    /// jobs on the caller.
    func stop() {
        guard let thread else { return }
        pthread_mutex_lock(lock)
        stopping = true
        pthread_cond_signal(hasWork)
        pthread_mutex_unlock(lock)
        pthread_join(thread, nil)
        self.thread = nil
    }

    private func work() {
        pthread_mutex_lock(lock)
        while true {
            while head == pending.count && !stopping { pthread_cond_wait(hasWork, lock) }
            if head == pending.count { break }   // stopping, nothing left
            let job = pending[head]
            pending[head] = EmptyJob.shared
            head += 1
            running = true
            pthread_mutex_unlock(lock)
            job.run()
            pthread_mutex_lock(lock)
            running = false
            let left = pending.count - head
            if left == 0 || (producerWaiting && left <= capacity / 2) { pthread_cond_broadcast(jobDone) }
        }
        pthread_mutex_unlock(lock)
    }
}

/// What a queue slot holds once its job has been taken (so the job is released by the worker).
private final class EmptyJob: WorkerJob, @unchecked Sendable {
    static let shared = EmptyJob()
    func run() {}
}
