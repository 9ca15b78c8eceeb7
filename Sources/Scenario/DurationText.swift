/// Reads and prints simulated durations: `30s`, `1.5s`, `10ms`, `500us`, `2m`, `1h`, `250ns`.
///
/// Simulated time is an integer count of nanoseconds; durations are parsed exactly from their
/// decimal text (no floating point), so `0.1s` is 100,000,000 ns and not a rounding of it.
public enum DurationText {
    /// Units from longest suffix to shortest, so `ms` is tried before `s` and `m`.
    private static let units: [(suffix: String, nanoseconds: Int64)] = [
        ("ns", 1), ("us", 1_000), ("µs", 1_000), ("ms", 1_000_000),
        ("s", 1_000_000_000), ("m", 60_000_000_000), ("h", 3_600_000_000_000),
    ]

    /// Nanoseconds for `text`, or a reason why it is not a duration.
    public static func parse(_ text: String) -> Result<Int64, DurationError> {
        let trimmed = text.trimmingSpaces
        guard let unit = units.sorted(by: { $0.suffix.count > $1.suffix.count })
            .first(where: { trimmed.hasSuffix($0.suffix) }) else {
            return .failure(DurationError(text: text, reason: "needs a unit: ns, us, ms, s, m or h (e.g. 30s, 1.5s, 10ms)"))
        }
        let number = String(trimmed.dropLast(unit.suffix.count))
        let parts = number.split(separator: ".", omittingEmptySubsequences: false)
        guard !number.isEmpty, parts.count <= 2,
              parts.allSatisfy({ $0.allSatisfy { $0.isASCII && $0.isNumber } }),
              !(parts.first ?? "").isEmpty || parts.count == 2,
              parts.count == 1 || !parts[1].isEmpty else {
            return .failure(DurationError(text: text, reason: "'\(number)' is not a non-negative decimal number"))
        }
        guard let whole = Int64(parts[0].isEmpty ? "0" : String(parts[0])) else {
            return .failure(DurationError(text: text, reason: "too large"))
        }
        var (total, overflow) = whole.multipliedReportingOverflow(by: unit.nanoseconds)
        if parts.count == 2 {
            // Each fractional digit is worth a tenth of the previous one; digits finer than 1 ns are an error.
            var scale = unit.nanoseconds
            for digit in parts[1] {
                guard let d = Int64(String(digit)) else { break }
                if scale % 10 != 0 {
                    if d != 0 { return .failure(DurationError(text: text, reason: "finer than one nanosecond")) }
                    continue
                }
                scale /= 10
                let add = d.multipliedReportingOverflow(by: scale)
                let sum = total.addingReportingOverflow(add.partialValue)
                overflow = overflow || add.overflow || sum.overflow
                total = sum.partialValue
            }
        }
        if overflow { return .failure(DurationError(text: text, reason: "too large")) }
        return .success(total)
    }
}

/// Why a duration could not be read.
public struct DurationError: Error, Equatable, CustomStringConvertible {
    public let text: String
    public let reason: String
    public var description: String { "invalid duration '\(text)': \(reason)" }
}

extension StringProtocol {
    /// The text without leading and trailing spaces and tabs.
    var trimmingSpaces: String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" || f == "\r" || f == "\n" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\t" || l == "\r" || l == "\n" { s.removeLast() }
        return String(s)
    }
}

extension String {
    /// `StringProtocol.trimmingSpaces`, answered from the end bytes when there is nothing to trim
    /// (the usual case: a scenario's addresses, read by the hundred thousand).
    var trimmingSpaces: String {
        func isSpace(_ byte: UInt8?) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0D || byte == 0x0A }
        if !isSpace(utf8.first), !isSpace(utf8.last) { return self }
        return Substring(self).trimmingSpaces
    }
}
