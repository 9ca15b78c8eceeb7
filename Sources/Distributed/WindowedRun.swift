import Foundation
import Sim

/// Conservative synchronisation of a split run (docs/mpi.md), as ns-3's distributed simulator
/// does it: all processes agree on the earliest pending event time T, then each runs its own
/// events up to T + lookahead − 1. Nothing another process does from T on can reach this one
/// before T + lookahead (every path between processes takes at least the lookahead), so no event
/// it runs can be overtaken by a datagram still to come.
///
/// One exchange a window agrees on T and delivers the datagrams: each process sends every other
/// one message, the earliest time it knows of followed by the datagrams for that process. The
/// earliest time a process knows of is its own next event or the earliest arrival among the
/// datagrams it is about to send, so the minimum over all processes is the next event anywhere
/// once the datagrams are delivered.
public final class WindowedRun {
    private let simulation: Simulation
    private let communicator: Communicator
    private let partition: Partition
    /// Times the exchanges when phase timing is on (`SplitPhaseTimes`).
    private let phases: SplitPhaseTimes?
    /// Windows run so far (the same count in every process).
    public private(set) var windows = 0
    /// Datagrams this process sent to others so far.
    public private(set) var sent = 0
    /// Work put off until a window's end, done a small piece at a time while this process waits
    /// there for the others (`Communicator.exchange(sized:whileWaiting:)`); returns whether there
    /// was any. The slower process of a window is the one everyone waits for, so work moved into
    /// the faster one's wait leaves the critical path.
    public var whileWaiting: (() -> Bool)?

    public init(simulation: Simulation, communicator: Communicator, partition: Partition, phases: SplitPhaseTimes? = nil) {
        self.simulation = simulation
        self.communicator = communicator
        self.partition = partition
        self.phases = phases
    }

    /// Runs every process to `until` (nil: to the end `Simulation.run(until: nil)` would reach),
    /// leaving `now` where a one-process run leaves it. Every process must call it with the same time.
    public func advance(_ until: Int64?) {
        let stop = simulation.stopTime(until: until)
        let lookahead = max(1, partition.lookahead)
        while true {
            let next = exchange()
            if next > stop { break }
            windows += 1
            let windowEnd = next > Int64.max - (lookahead - 1) ? Int64.max : next + (lookahead - 1)
            let end = min(windowEnd, stop)
            if let phases { phases.timingWindow { simulation.runWindow(through: end) } } else { simulation.runWindow(through: end) }
        }
        simulation.finishRun(until: until)
    }

    /// Delivers the datagrams sent since the last window to their receivers' processes, queues
    /// those sent here, and returns the earliest pending event time of all processes.
    ///
    /// One message to each other process carries both: the earliest time this process knows of
    /// (8 bytes) and then the datagrams for that process. A window thus meets the others once,
    /// where sizes first and bytes second took two meetings whenever any process had datagrams.
    private func exchange() -> Int64 {
        let outgoing = simulation.takeOutbox()
        sent += outgoing.count
        var earliest = simulation.nextEventTime ?? .max
        for datagram in outgoing { earliest = min(earliest, datagram.key.time) }
        let header = withUnsafeBytes(of: UInt64(bitPattern: earliest).littleEndian, Array.init)
        var parts = [[UInt8]](repeating: header, count: communicator.size)
        for datagram in outgoing {
            datagram.encode(into: &parts[partition.rankOfNode[datagram.node]])
        }
        let incoming = phases.map { $0.timingExchange { communicator.exchange(sized: parts, whileWaiting: whileWaiting) } }
            ?? communicator.exchange(sized: parts, whileWaiting: whileWaiting)
        var next = earliest
        for (rank, bytes) in incoming.enumerated() where rank != communicator.rank {
            let ranks = partition.rankOfNode
            guard bytes.count >= 8, let datagrams = RemoteDatagram.decodeAll(Array(bytes[8...])),
                  datagrams.allSatisfy({ ranks.indices.contains($0.node) && ranks[$0.node] == communicator.rank }) else {
                // Only another process of this same program writes these bytes: a torn message, or
                // one for a node this process does not own, means the job is broken: all stop.
                FileHandle.standardError.write(Data("wgsim run: process \(communicator.rank): the datagrams from process \(rank) could not be read; stopping every process\n".utf8))
                communicator.abortAll(status: 2)
            }
            var told: UInt64 = 0
            for i in 0..<8 { told |= UInt64(bytes[i]) << (8 * UInt64(i)) }
            next = min(next, Int64(bitPattern: told))
            for datagram in datagrams { simulation.accept(datagram) }
        }
        return next
    }
}
