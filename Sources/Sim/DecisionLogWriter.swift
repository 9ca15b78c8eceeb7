#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why a decision log file could not be written.
public struct DecisionLogError: Error, Equatable, CustomStringConvertible {
    public let path: String
    public let reason: String
    /// The POSIX error number behind it, so a caller can say it in words.
    public var errorNumber: Int32? = nil
    public var description: String { "\(path): \(reason)" }
}

/// Streams decisions into decisions.jsonl and decisions.txt with buffered writes: hand
/// `write(_:)` to `Simulation.onDecision` (and set `keepsDecisions = false` for long runs).
/// Either path may be nil to skip that file. Call `close()` at the end to flush and learn of
/// write errors.
///
/// `write` collects records; each `batchSize` of them are composed together, by the pipeline's
/// decision lane when an `OutputPipeline` with more than one thread is given, else on the
/// caller's thread. Either way the lines are written in the records' order, and `close` composes
/// what is left and waits, so every thread count writes the same files.
public final class DecisionLogWriter {
    private let json = ByteBuffer(capacity: 1 << 17)
    private let text = ByteBuffer(capacity: 1 << 17)
    private let composer = DecisionLineComposer()
    private let jsonFile: UnsafeMutablePointer<FILE>?
    private let textFile: UnsafeMutablePointer<FILE>?
    private let jsonPath: String?
    private let textPath: String?
    private var failure: DecisionLogError?
    private var closed = false
    /// 64 KiB per write: small enough that both buffers can stay in the L2 cache while lines
    /// are written into them (measured ~2 % faster per run than 1 MiB), large enough that the
    /// write calls cost nothing measurable.
    private static let flushThreshold = 1 << 16
    /// How many decisions were written.
    public var count: Int { written.pointee }
    /// Behind a pointer: a class's `var` costs a runtime exclusivity check per access, and this
    /// one is counted per decision.
    private let written: UnsafeMutablePointer<Int> = {
        let counter = UnsafeMutablePointer<Int>.allocate(capacity: 1)
        counter.initialize(to: 0)
        return counter
    }()

    /// The lane composing the lines (nil: composed on this thread, a batch at a time), and the
    /// records collected for the next batch (behind a pointer, as `written`).
    private let lane: WorkerLane?
    /// Replaced by fresh storage each time a full batch goes to the lane (the batch takes it
    /// along); unchecked, as the pointers above, since it is read per decision.
    @exclusivity(unchecked) private var batch: UnsafeMutablePointer<DecisionRecord>
    /// How many records `batch` holds (initialised from its start).
    private let batchCount: UnsafeMutablePointer<Int>
    /// Decisions per batch handed to the lane (see `CaptureHandOff.batchSize`).
    private static let batchSize = 256

    /// Records composed on the decision lane, in order. The batch owns the storage the writer
    /// collected them in (handed over whole: copying 256 records into an array cost two moves of
    /// each) and frees it, records and all, when the lane lets it go.
    private final class Batch: WorkerJob, @unchecked Sendable {
        let records: UnsafeMutablePointer<DecisionRecord>
        let count: Int
        /// Unmanaged, and used through `_withUnsafeGuaranteedRef`: an `unowned(unsafe)` reference
        /// was retained and released around every record's `compose` (~40 instructions).
        let writer: Unmanaged<DecisionLogWriter>
        init(_ records: UnsafeMutablePointer<DecisionRecord>, count: Int, writer: DecisionLogWriter) {
            self.records = records
            self.count = count
            self.writer = .passUnretained(writer)
        }
        /// How many records `run` has taken (moved out) so far; the rest are destroyed by deinit.
        private var taken = 0
        /// Each record is moved out of the storage and composed: composing `records[i]` in place
        /// copied it first (a retain of each of its references, ~350 instructions) and destroyed
        /// it twice, the copy here and the original when the batch went (docs/performance.md).
        func run() {
            // Counted in a local (a class's `var` costs an exclusivity check per access).
            var next = taken
            writer._withUnsafeGuaranteedRef { writer in
                while next < count {
                    let record = (records + next).move()
                    next += 1
                    writer.compose(record)
                }
            }
            taken = next
        }
        deinit {
            (records + taken).deinitialize(count: count - taken)
            records.deallocate()
        }
    }

    public init(jsonlPath: String?, textPath: String?, pipeline: OutputPipeline? = nil) throws {
        lane = pipeline?.decisionLane
        batch = .allocate(capacity: Self.batchSize)
        batchCount = .allocate(capacity: 1)
        batchCount.initialize(to: 0)
        self.jsonPath = jsonlPath
        self.textPath = textPath
        var opened: UnsafeMutablePointer<FILE>?
        if let jsonlPath {
            guard let file = fopen(jsonlPath, "wb") else {
                throw DecisionLogError(path: jsonlPath, reason: "cannot be created (errno \(errno))", errorNumber: errno)
            }
            opened = file
        }
        jsonFile = opened
        if let textPath {
            guard let file = fopen(textPath, "wb") else {
                let code = errno
                if let opened { fclose(opened) }
                throw DecisionLogError(path: textPath, reason: "cannot be created (errno \(code))", errorNumber: code)
            }
            textFile = file
        } else {
            textFile = nil
        }
    }

    deinit {
        try? close()
        written.deallocate()
        batch.deinitialize(count: batchCount.pointee)
        batch.deallocate()
        batchCount.deallocate()
    }

    /// Takes one decision (moved in, not copied: the batch keeps it until it is composed).
    public func write(_ record: consuming DecisionRecord) {
        written.pointee += 1
        (batch + batchCount.pointee).initialize(to: record)
        batchCount.pointee += 1
        if batchCount.pointee == Self.batchSize { composeBatch() }
    }

    /// Composes the collected records: on the decision lane when there is one, else here, all
    /// in one go. A batch at a time rather than each record as it comes keeps the composer's
    /// code in the instruction cache from one record to the next, instead of it and the packet
    /// path evicting each other per decision (docs/performance.md, "The decision log in batches").
    private func composeBatch() {
        let count = batchCount.pointee
        guard count > 0 else { return }
        batchCount.pointee = 0
        if let lane {
            // A batch names this writer without keeping it alive: `close` (also run by deinit)
            // drains the lane before the writer can go.
            let full = batch
            batch = .allocate(capacity: Self.batchSize)
            lane.submit(Batch(full, count: count, writer: self))
        } else {
            // Each record is moved out of the batch and composed: taken by subscript from an
            // array, every record was copied once more (a retain and a release per reference in it).
            for i in 0..<count {
                let record = (batch + i).move()
                compose(record)
            }
        }
    }

    /// Composes one record's two lines into the buffers, writing them out when full (on the
    /// decision lane when there is one).
    private func compose(_ record: borrowing DecisionRecord) {
        // Both lines are composed together (they share most pieces); a line whose file was not
        // asked for is dropped by `flush`.
        composer.append(record, json: json, text: text)
        json.append(0x0A)
        text.append(0x0A)
        if json.count >= Self.flushThreshold { flush(json, jsonFile, jsonPath) }
        if text.count >= Self.flushThreshold { flush(text, textFile, textPath) }
    }

    /// Writes what is buffered and closes both files; throws the first write error.
    public func close() throws {
        if !closed { composeBatch() }
        lane?.drain()
        if !closed {
            closed = true
            flush(json, jsonFile, jsonPath)
            flush(text, textFile, textPath)
            for (file, path) in [(jsonFile, jsonPath), (textFile, textPath)] {
                if let file, fclose(file) != 0, failure == nil {
                    failure = DecisionLogError(path: path ?? "", reason: "close failed (errno \(errno))", errorNumber: errno)
                }
            }
        }
        if let failure { throw failure }
    }

    private func flush(_ buffer: ByteBuffer, _ file: UnsafeMutablePointer<FILE>?, _ path: String?) {
        defer { buffer.removeAll() }
        guard let file, !buffer.isEmpty, failure == nil else { return }
        let written = buffer.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) }
        if written != buffer.count {
            failure = DecisionLogError(path: path ?? "", reason: "short write (errno \(errno))", errorNumber: errno)
        }
    }
}
