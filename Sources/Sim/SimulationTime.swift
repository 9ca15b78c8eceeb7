/// The range of simulated time. Times are Int64 nanoseconds from 0, but every packet is also
/// stamped with wall-clock time (start + t) in a pcap record, whose seconds field is an unsigned
/// 32-bit number: so the last moment a run can reach is 2106-02-07T06:28:15.999999999Z, and the
/// last simulated time is that minus the start. A loader checks every time it reads against
/// `latestTime(startUnixNanoseconds:)`; the engine never runs past it, and the few sums that can
/// still grow while it runs (a link's delay on top of now, the next repetition of a ping, a
/// replayed packet's offset) saturate instead of overflowing.
extension Simulation {
    /// The last Unix time, in nanoseconds, a pcap record can stamp (`PcapFormat.timestampFits`):
    /// 2^32 s minus 1 ns, 2106-02-07T06:28:15.999999999Z.
    public static let latestUnixNanoseconds: Int64 = (Int64(UInt32.max) + 1) * 1_000_000_000 - 1

    /// The last simulated time a run starting at `startUnixNanoseconds` can reach (negative when
    /// the start itself is past `latestUnixNanoseconds`).
    public static func latestTime(startUnixNanoseconds: Int64) -> Int64 {
        let (difference, overflow) = latestUnixNanoseconds.subtractingReportingOverflow(startUnixNanoseconds)
        return overflow ? .min : difference
    }
}

extension Int64 {
    /// `self + other`, held at `Int64.max` / `Int64.min` instead of overflowing: a time that far
    /// out is past `Simulation.latestTime` and never runs, which is all that matters about it.
    func addingSaturated(_ other: Int64) -> Int64 {
        let (sum, overflow) = addingReportingOverflow(other)
        guard overflow else { return sum }
        return other > 0 ? .max : .min
    }

    /// `self × other`, held at the bounds instead of overflowing.
    func multipliedSaturated(by other: Int64) -> Int64 {
        let (product, overflow) = multipliedReportingOverflow(by: other)
        guard overflow else { return product }
        return (self < 0) == (other < 0) ? .max : .min
    }
}
