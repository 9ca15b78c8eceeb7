import Dispatch
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Key pairs worked out on other threads while the thread that asked for them goes on with
/// other work: the private key of each position (a function the caller gives, run on the
/// workers) and its X25519 public key (`StaticPublicKey`, ~16 µs each here). A million-node
/// network needs a million of them, about as much CPU as everything else its load and build do
/// together; they depend only on the seed and the node names, which a loader knows long before
/// it needs a key.
///
/// It starts one worker per core but one (the asking thread keeps a core for its own work);
/// `finish()` makes the asking thread a worker too, so that once it needs the keys every core
/// derives them. Work is handed out in chunks from a counter, so whoever is free takes the next
/// chunk and no core waits while another has work left.
///
/// Each key pair depends on its position alone and is written only to its own 64 bytes, so
/// which thread derives it, and when, cannot change a single byte: this changes when keys are
/// computed, never what they are. Dropping the job before `finish()` stops its workers at their
/// next chunk.
public final class KeyPairJob: @unchecked Sendable {
    /// Below this many keys a job is not worth its threads: derive them where they are needed.
    public static let minimumKeys = 2048
    /// Keys per chunk of work: ~8 ms of X25519, so the lock is taken rarely and the last chunk
    /// leaves a core idle only briefly. A build asking for more keys than this that are not
    /// derived yet makes its own thread derive whole chunks (`pair(at:)`).
    public static let chunkSize = 256

    private let work: Work
    private var taken = false

    /// Starts deriving `count` key pairs: position `i`'s private key is `privateKey(i)`.
    public init(count: Int, privateKey: @escaping @Sendable (Int) -> PrivateKey) {
        work = Work(count: count, privateKey: privateKey)
        let helpers = max(1, Self.processorCount() - 1)
        for _ in 0..<helpers {
            DispatchQueue.global().async { [work] in work.run() }
        }
    }

    deinit { work.cancel() }

    /// Every key pair, in position order, each private key carrying its public key (as
    /// `PrivateKey.withPublicKeys` gives them): the calling thread derives what is left beside
    /// the workers, then waits for their last chunks. The keys are made by the calling thread,
    /// which keeps them; the workers only fill two flat buffers, freed here. nil once taken.
    public func finish() -> [PrivateKey]? {
        guard !taken else { return nil }
        taken = true
        // After `cancel()` the workers have stopped between chunks: this thread does the rest.
        work.resume()
        work.run()
        work.waitForAll()
        return work.takeKeyPairs()
    }

    /// Key pair `i`, the same `finish()` would give at position `i`, as soon as its own chunk is
    /// done: while another thread still derives that chunk, the calling thread derives chunks
    /// nobody has started, so it never idles while work is left (it waits only for the last
    /// chunk in flight). A build that needs the keys one by one, in about position order, thus
    /// goes on with its own work beside the workers instead of waiting for every key first.
    /// nil after `finish()` or `close()`, or for a position out of range.
    ///
    /// `knownPublicKey`: this pair's public key as taken before (`pair(at:)?.publicKey`); the
    /// pair then carries that same value, so the two holders share one array (a hub's peer and
    /// its client's device: 64 bytes a client otherwise). Ignored unless its bytes are the pair's.
    public func pair(at i: Int, knownPublicKey: PublicKey? = nil) -> PrivateKey? {
        guard !taken, (0..<work.count).contains(i) else { return nil }
        return work.pair(at: i, knownPublicKey: knownPublicKey)
    }

    /// Once no more `pair(at:)` will be asked for: derives what is left (normally nothing: a
    /// build takes every pair) and frees the buffers. Later calls give nil.
    public func close() {
        guard !taken else { return }
        taken = true
        work.resume()
        work.run()
        work.waitForAll()
        work.discard()
    }

    /// Stops the workers at their next chunk (a later `finish()` derives the rest on its own thread).
    public func cancel() { work.cancel() }

    static func processorCount() -> Int {
        max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
    }

    /// The shared state of a job: its two flat buffers, the next chunk to hand out and how many
    /// chunks are done. Everything mutable is read and written under `lock`, except the
    /// buffers' bytes, which each chunk owns alone until it is counted done.
    private final class Work: @unchecked Sendable {
        static let chunkSize = KeyPairJob.chunkSize

        let count: Int
        /// Read by the workers only while chunks are left; dropped with the buffers once taken.
        private var privateKey: (@Sendable (Int) -> PrivateKey)?
        private var privateBytes: UnsafeMutableBufferPointer<UInt8>
        private var publicBytes: UnsafeMutableBufferPointer<UInt8>
        let chunks: Int
        private let lock = DispatchSemaphore(value: 1)
        private let allDone = DispatchSemaphore(value: 0)
        private var nextChunk = 0
        private var chunksDone = 0
        private var cancelled = false
        /// Which chunks are done (`pair(at:)` waits for one).
        private var chunkDone: [Bool]
        /// Threads in `pair(at:)` waiting for a chunk in flight; each finished chunk wakes them
        /// all through `progress` (one signal each), and each looks again.
        private var waiters = 0
        private let progress = DispatchSemaphore(value: 0)

        init(count: Int, privateKey: @escaping @Sendable (Int) -> PrivateKey) {
            self.count = count
            self.privateKey = privateKey
            privateBytes = .allocate(capacity: count * X25519.keyLength)
            publicBytes = .allocate(capacity: count * X25519.keyLength)
            chunks = (count + Self.chunkSize - 1) / Self.chunkSize
            chunkDone = [Bool](repeating: false, count: chunks)
            if chunks == 0 { allDone.signal() }
        }

        deinit { release() }

        func cancel() {
            lock.wait()
            cancelled = true
            lock.signal()
        }

        func resume() {
            lock.wait()
            cancelled = false
            lock.signal()
        }

        /// Takes chunks until none is left (or the job is cancelled).
        func run() {
            while let chunk = claim() { derive(chunk) }
        }

        /// Derives one claimed chunk into the buffers and counts it done.
        private func derive(_ chunk: Int) {
            guard let privateKey else { return }
            let range = (chunk * Self.chunkSize)..<min(count, (chunk + 1) * Self.chunkSize)
            for i in range {
                let key = privateKey(i)
                let at = i * X25519.keyLength
                key.bytes.withUnsafeBufferPointer { source in
                    _ = UnsafeMutableBufferPointer(rebasing: privateBytes[at..<(at + X25519.keyLength)]).initialize(from: source)
                    StaticPublicKey.derive(from: UnsafeRawBufferPointer(source),
                                           into: UnsafeMutableRawBufferPointer(start: publicBytes.baseAddress! + at, count: X25519.keyLength))
                }
            }
            lock.wait()
            chunksDone += 1
            chunkDone[chunk] = true
            let last = chunksDone == chunks
            let wake = waiters
            waiters = 0
            lock.signal()
            for _ in 0..<wake { progress.signal() }
            if last { allDone.signal() }
        }

        private func claim(evenIfCancelled: Bool = false) -> Int? {
            lock.wait()
            defer { lock.signal() }
            guard !cancelled || evenIfCancelled, nextChunk < chunks else { return nil }
            nextChunk += 1
            return nextChunk - 1
        }

        /// Key pair `i` once its chunk is done, deriving unstarted chunks (in order, so its own
        /// first if nobody has started it) while it is not.
        func pair(at i: Int, knownPublicKey: PublicKey?) -> PrivateKey {
            let chunk = i / Self.chunkSize
            while true {
                lock.wait()
                if chunkDone[chunk] {
                    lock.signal()
                    break
                }
                if nextChunk < chunks {
                    // The caller needs this work done whatever `cancel()` said.
                    lock.signal()
                    if let next = claim(evenIfCancelled: true) { derive(next) }
                    continue
                }
                // Its chunk is in flight on another thread and nothing is left to start.
                waiters += 1
                lock.signal()
                progress.wait()
            }
            // Seen done under the lock: the chunk's bytes are written and visible here.
            let at = i * X25519.keyLength
            let derived = UnsafeMutableBufferPointer(rebasing: publicBytes[at..<(at + X25519.keyLength)])
            let publicKey = knownPublicKey.flatMap { $0.bytes.elementsEqual(derived) ? $0 : nil } ?? PublicKey(unchecked: Array(derived))
            return PrivateKey(unchecked: Array(privateBytes[at..<(at + X25519.keyLength)]), publicKey: publicKey)
        }

        /// Frees the buffers (after `waitForAll()`); the pairs are not wanted.
        func discard() {
            privateKey = nil
            release()
        }

        /// Returns once every chunk is done (called after `run()`, so none is left unclaimed).
        func waitForAll() {
            allDone.wait()
            allDone.signal()
        }

        /// The key pairs, made on the calling thread; the flat buffers go. Only after `waitForAll()`.
        func takeKeyPairs() -> [PrivateKey] {
            var pairs: [PrivateKey] = []
            pairs.reserveCapacity(count)
            for i in 0..<count {
                let at = i * X25519.keyLength
                pairs.append(PrivateKey(unchecked: Array(privateBytes[at..<(at + X25519.keyLength)]),
                                        publicKey: PublicKey(unchecked: Array(publicBytes[at..<(at + X25519.keyLength)]))))
            }
            privateKey = nil
            release()
            return pairs
        }

        private func release() {
            privateBytes.deallocate()
            publicBytes.deallocate()
            privateBytes = UnsafeMutableBufferPointer(start: nil, count: 0)
            publicBytes = UnsafeMutableBufferPointer(start: nil, count: 0)
        }
    }
}
