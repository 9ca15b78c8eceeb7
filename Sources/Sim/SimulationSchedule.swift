import Pcap
import Routing
import WireGuard

/// Scheduling a scenario's actions: their places in the queue (one per packet of a repeated
/// `send`, in file order) and how long each keeps the run going.
extension Simulation {
    /// Schedules an action; actions at the same time run in the order they were scheduled.
    public func schedule(at time: Int64, _ action: SimAction) {
        schedule(at: time, action, sequence: reserveScenarioPlaces(Self.repetitions(of: action)))
    }

    /// Schedules a scenario's events, given in file order (not time order). Events due at the
    /// same time run in list order, and each repetition of a repeated action (`send` with a
    /// count) runs at the place of its action in the list — exactly as if the repetitions had
    /// been written out there one by one, which is how a scenario file reads. Only the first
    /// repetition is queued now; each schedules the next when it runs.
    public func schedule(inFileOrder events: [(at: Int64, action: SimAction)]) {
        let total = events.reduce(UInt64(0)) { $0 &+ Self.repetitions(of: $1.action) }
        var sequence = reserveScenarioPlaces(total)
        for event in events {
            schedule(at: event.at, event.action, sequence: sequence)
            sequence &+= Self.repetitions(of: event.action)
        }
    }

    /// `first` is the first of the action's `repetitions(of:)` reserved sequence numbers.
    private func schedule(at time: Int64, _ action: SimAction, sequence first: UInt64) {
        let at = max(time, now)
        // Trace files are numbered in scheduling order, the same in every process of a split run.
        if case .replay(_, let trace, _) = action { _ = context(file: trace, frame: 0) }
        lastScheduledActivity = max(lastScheduledActivity, at.addingSaturated(Self.activitySpan(of: action)))
        if case let .send(name, packet, count, interval) = action, count > 1 {
            guard let node = nodeIndex[name] else { return }
            guard scheduleAction(ownedBy: node) else { return }
            queue.push(at: at, .send(SendRun(node: node, packet: packet, remaining: count, interval: max(0, interval),
                                             sequence: first)), origin: EventOrigin.scenario, sequence: first)
        } else {
            guard scheduleAction(action) else { return }
            queue.push(at: at, .action(action), origin: EventOrigin.scenario, sequence: first)
        }
    }

    /// How many queue places an action takes: one per packet of a repeated `send`.
    private static func repetitions(of action: SimAction) -> UInt64 {
        if case .send(_, _, let count, _) = action { return UInt64(max(1, count)) }
        return 1
    }

    private static func activitySpan(of action: SimAction) -> Int64 {
        switch action {
        case .ping(_, _, _, let count, let interval, _), .send(_, _, let count, let interval):
            return Int64(max(0, count - 1)).multipliedSaturated(by: max(0, interval))
        case .replay(_, _, let packets):
            guard packets.count > 0 else { return 0 }
            let first = packets.firstTimestamp, last = packets.lastTimestamp
            let (span, overflow) = last.subtractingReportingOverflow(first)
            return overflow ? (last > first ? .max : 0) : max(0, span)
        default:
            return 0
        }
    }
}
