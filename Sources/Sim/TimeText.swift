/// Simulated time as text, the one formatter for every human-readable output: the run summary,
/// `show`/`explain`/`reach`, the report page and its pictures. (The decision log's hot path writes
/// the same `seconds` form straight into bytes: `ByteText.appendSeconds`.)
public enum TimeText {
    /// Seconds with nine decimals, as the decision log's text lines print time: `1.000250000`.
    public static func seconds(_ nanoseconds: Int64) -> String {
        let sign = nanoseconds < 0 ? "-" : ""
        let m = nanoseconds.magnitude
        let fraction = String(m % 1_000_000_000)
        return "\(sign)\(m / 1_000_000_000).\(String(repeating: "0", count: 9 - fraction.count))\(fraction)"
    }

    /// The shortest exact text for a number of nanoseconds: `0s`, `1.5s`, `10ms`, `250ns`.
    public static func shortest(_ nanoseconds: Int64) -> String {
        if nanoseconds == 0 { return "0s" }
        let sign = nanoseconds < 0 ? "-" : ""
        let magnitude = nanoseconds.magnitude
        for (suffix, size) in [("s", UInt64(1_000_000_000)), ("ms", 1_000_000), ("us", 1_000)] where magnitude >= size {
            let whole = magnitude / size, fraction = magnitude % size
            if fraction == 0 { return "\(sign)\(whole)\(suffix)" }
            var digits = String(fraction)
            digits = String(repeating: "0", count: String(size).count - 1 - digits.count) + digits
            while digits.hasSuffix("0") { digits.removeLast() }
            return "\(sign)\(whole).\(digits)\(suffix)"
        }
        return "\(sign)\(magnitude)ns"
    }
}
