import Foundation
import Sim

/// Conservative synchronisation of a split run (docs/mpi.md), as ns-3's distributed simulator
/// does it: all processes agree on the earliest pending event time T (a collective minimum),
/// then each runs its own events up to T + lookahead − 1. Nothing another process does from T on
/// can reach this one before T + lookahead (every path between processes takes at least the
/// lookahead), so no event it runs can be overtaken by a datagram still to come. At the window's
/// end the datagrams between processes are exchanged (all-to-all), each queued at its place, and
/// the next window starts.
public final class WindowedRun {
    private let simulation: Simulation
    private let communicator: Communicator
    private let partition: Partition
    /// Windows run so far (for the benchmark figures).
    public private(set) var windows = 0
    /// Datagrams this process sent to others so far.
    public private(set) var sent = 0

    public init(simulation: Simulation, communicator: Communicator, partition: Partition) {
        self.simulation = simulation
        self.communicator = communicator
        self.partition = partition
    }

    /// Runs every process to `until` (nil: to the end `Simulation.run(until: nil)` would reach),
    /// leaving `now` where a one-process run leaves it. Every process must call it with the same time.
    public func advance(_ until: Int64?) {
        let stop = simulation.stopTime(until: until)
        let lookahead = max(1, partition.lookahead)
        while true {
            exchange()
            let next = communicator.minimum(simulation.nextEventTime ?? .max)
            if next > stop { break }
            windows += 1
            let windowEnd = next > Int64.max - (lookahead - 1) ? Int64.max : next + (lookahead - 1)
            simulation.runWindow(through: min(windowEnd, stop))
        }
        simulation.finishRun(until: until)
    }

    /// Sends this window's datagrams to their receivers' processes and queues those sent here.
    private func exchange() {
        let outgoing = simulation.takeOutbox()
        sent += outgoing.count
        var parts = [[UInt8]](repeating: [], count: communicator.size)
        for datagram in outgoing { datagram.encode(into: &parts[partition.rankOfNode[datagram.node]]) }
        let incoming = communicator.exchange(parts)
        for (rank, bytes) in incoming.enumerated() where !bytes.isEmpty {
            guard let datagrams = RemoteDatagram.decodeAll(bytes) else {
                // Only another process of this same program writes these bytes: a torn message
                // means the job is broken, and every process stops.
                FileHandle.standardError.write(Data("wgsim run: process \(communicator.rank): the datagrams from process \(rank) could not be read; stopping every process\n".utf8))
                communicator.abortAll(status: 2)
            }
            for datagram in datagrams { simulation.accept(datagram) }
        }
    }
}
