/// Where each event goes in the agenda. An event's `EventKey` is (time, origin, sequence): the
/// origin is the node whose event was running when it was scheduled (or the node being set up,
/// or the scenario), the sequence that origin's own count. Neither depends on what other nodes
/// do, so the order of equal-time events is the same whether all nodes run in one process or are
/// split over MPI ranks (docs/mpi.md), where each rank only sees its own nodes' events.
extension Simulation {
    /// Schedules `event` at `time`, from the origin running now.
    func enqueue(at time: Int64, _ event: consuming SimEvent, deferred: Bool = false) {
        let (origin, sequence) = nextPlace()
        queue.push(at: time, event, origin: origin, sequence: sequence, deferred: deferred)
    }

    /// Schedules node `node`'s timer wake-up at `time` (deferred lane), from the origin running
    /// now; the same place `enqueue(at:.timer(node:),deferred: true)` would give it, with no
    /// payload slot (`EventQueue.pushInline`).
    func enqueueTimer(at time: Int64, node: Int) {
        let (origin, sequence) = nextPlace()
        queue.pushInline(at: time, Int32(truncatingIfNeeded: node), origin: origin, sequence: sequence, deferred: true)
    }

    /// The origin running now and the next sequence number of its own count, taken.
    private func nextPlace() -> (origin: Int64, sequence: UInt64) {
        let origin = currentOrigin
        if let node = EventOrigin.nodeIndex(of: origin) {
            defer { scheduledBy[node] &+= 1 }
            return (origin, scheduledBy[node])
        }
        defer { scenarioScheduled &+= 1 }
        return (origin, scenarioScheduled)
    }

    /// Sets aside `count` consecutive scenario places and returns the first, for actions that are
    /// queued later (a repeated `send`, one repetition at a time) but keep the place they were
    /// given when scheduled.
    func reserveScenarioPlaces(_ count: UInt64) -> UInt64 {
        let first = scenarioScheduled
        scenarioScheduled &+= count
        return first
    }

    /// The node an event runs at (nil: an action naming no node of the network): what it
    /// schedules has that node as its origin.
    func executingNode(of event: SimEvent) -> Int? {
        switch event {
        case .action(let action): return actionNode(action)
        case .timer(let node), .output(let node, _, _), .deviceUp(let node), .forward(let node, _, _): return node
        case .arrival(let datagram): return datagram.to
        case .ping(let run): return run.node
        case .send(let run): return run.node
        case .replay(let run): return run.node
        }
    }

    /// The node a scenario action is carried out at; a link change counts as its first node's.
    func actionNode(_ action: SimAction) -> Int? {
        switch action {
        case .wgSet(let name, _, _, _, _, _, _), .wgShow(let name), .routeAdd(let name, _), .routeDelete(let name, _),
             .linkState(let name, _, _), .ping(let name, _, _, _, _, _), .send(let name, _, _, _),
             .replay(let name, _, _), .moveUnderlay(let name, _), .underLoad(let name, _):
            return nodeIndex[name]
        case .setLink(let between, _):
            return nodeIndex[between.0]
        }
    }
}
