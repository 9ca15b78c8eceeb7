import Sim

/// The simulated times a scenario may use: from 0 to the last nanosecond whose wall-clock time
/// (start-time + t) a pcap record can stamp, since every packet lands in a capture and pcap's
/// seconds are an unsigned 32-bit number (they end at 2106-02-07T06:28:16Z). Checked as each
/// time is read, so a time out of range is reported at its line before anything runs, and no
/// sum the simulator forms from checked values can overflow (each stays below 2^62 ns).
struct TimeLimit {
    let startUnixNanoseconds: Int64
    /// The last simulated nanosecond, `Simulation.latestTime`.
    let latest: Int64

    init(startUnixNanoseconds: Int64) {
        self.startUnixNanoseconds = startUnixNanoseconds
        latest = Simulation.latestTime(startUnixNanoseconds: startUnixNanoseconds)
    }

    /// The range a `start-time` must fall in, as text for messages.
    static var startRange: String {
        "\(TimestampText.format(unixNanoseconds: 0)) to \(TimestampText.format(unixNanoseconds: Simulation.latestUnixNanoseconds))"
    }

    /// Says what the limit is and why, for the end of a message.
    var reason: String {
        "the last simulated time is \(TimeText.shortest(latest)), since start-time"
            + " (\(TimestampText.format(unixNanoseconds: startUnixNanoseconds))) + time must stay before"
            + " \(TimestampText.format(unixNanoseconds: Simulation.latestUnixNanoseconds + 1)), where pcap's unsigned 32-bit seconds end"
    }

    /// `value` as a duration no later than the limit; `key` names it in the message.
    func time(_ value: YAMLValue, _ key: String) throws -> Int64 {
        let time = try value.duration(key)
        guard time <= latest else {
            let text = (try? value.string(key))?.trimmingSpaces ?? TimeText.shortest(time)
            throw value.error("\(key): \(text) is too late: \(reason)")
        }
        return time
    }

    /// `start + offset × step` if no later than the limit; `what` describes that moment.
    func checkedSum(_ start: Int64, plus offset: Int64, times step: Int64 = 1, _ what: @autoclosure () -> String,
                    at location: SourceLocation) throws -> Int64 {
        let (product, overflow) = offset.multipliedReportingOverflow(by: step)
        let (sum, overflowAdding) = start.addingReportingOverflow(product)
        guard !overflow, !overflowAdding, sum <= latest else {
            let when = overflow || overflowAdding ? "beyond any time 64-bit nanoseconds count" : "at \(TimeText.shortest(sum))"
            throw location.error("\(what()) would be \(when): \(reason)")
        }
        return sum
    }
}
