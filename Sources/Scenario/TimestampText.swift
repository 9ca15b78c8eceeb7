/// Reads RFC 3339 timestamps (`2026-01-01T00:00:00Z`, `2026-01-01T02:00:00.5+02:00`) into Unix
/// nanoseconds, without Foundation's calendar, so the result cannot depend on the machine.
enum TimestampText {
    /// Unix nanoseconds for `text`, or why not; a time outside the years 64-bit nanoseconds
    /// count (1677-09-21 to 2262-04-11) is refused, not wrapped.
    static func unixNanoseconds(_ text: String) -> Result<Int64, TextProblem> {
        let chars = Array(text.trimmingSpaces)
        func number(_ from: Int, _ count: Int) -> Int? {
            guard from + count <= chars.count else { return nil }
            let slice = chars[from..<from + count]
            guard slice.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
            return Int(String(slice))
        }
        func at(_ i: Int, _ c: Character) -> Bool { i < chars.count && chars[i] == c }
        guard let year = number(0, 4), at(4, "-"), let month = number(5, 2), at(7, "-"), let day = number(8, 2),
              at(10, "T") || at(10, "t") || at(10, " "),
              let hour = number(11, 2), at(13, ":"), let minute = number(14, 2), at(16, ":"), let second = number(17, 2)
        else { return .failure(TextProblem("expected a time like 2026-01-01T00:00:00Z")) }
        guard (1...12).contains(month), (1...daysIn(month: month, year: year)).contains(day),
              hour < 24, minute < 60, second < 60 else { return .failure(TextProblem("no such date or time")) }
        var i = 19
        var fraction: Int64 = 0
        if at(i, ".") {
            i += 1
            var scale: Int64 = 100_000_000
            let start = i
            while i < chars.count, chars[i].isASCII, chars[i].isNumber {
                guard let d = chars[i].wholeNumberValue else { break }
                if scale == 0 { return .failure(TextProblem("finer than one nanosecond")) }
                fraction += Int64(d) * scale
                scale /= 10
                i += 1
            }
            if i == start { return .failure(TextProblem("expected digits after '.'")) }
        }
        var offsetSeconds = 0
        if at(i, "Z") || at(i, "z") {
            i += 1
        } else if at(i, "+") || at(i, "-") {
            let sign = chars[i] == "-" ? -1 : 1
            guard let oh = number(i + 1, 2), at(i + 3, ":"), let om = number(i + 4, 2), oh < 24, om < 60 else {
                return .failure(TextProblem("expected a UTC offset like +02:00"))
            }
            offsetSeconds = sign * (oh * 3600 + om * 60)
            i += 6
        } else {
            return .failure(TextProblem("needs a time zone: Z or an offset like +02:00"))
        }
        guard i == chars.count else { return .failure(TextProblem("unexpected text after the time")) }
        let days = daysFromCivil(year: year, month: month, day: day)
        // Years have four digits, so the seconds cannot overflow; the nanoseconds can.
        let seconds = Int64(days) * 86_400 + Int64(hour * 3600 + minute * 60 + second) - Int64(offsetSeconds)
        // Before 1970 with a fraction, count from the next whole second down, so that the very
        // first representable instant does not overflow on the way.
        let borrow: Int64 = seconds < 0 && fraction > 0 ? 1 : 0
        let (scaled, overflow) = (seconds + borrow).multipliedReportingOverflow(by: 1_000_000_000)
        let (total, overflowAdding) = scaled.addingReportingOverflow(fraction - borrow * 1_000_000_000)
        guard !overflow, !overflowAdding else {
            return .failure(TextProblem("outside the years 1677 to 2262 that 64-bit nanoseconds count"))
        }
        return .success(total)
    }

    /// RFC 3339 text in UTC for Unix nanoseconds, the fraction only when there is one:
    /// `2106-02-07T06:28:16Z`, `2026-01-01T00:00:00.5Z`.
    static func format(unixNanoseconds: Int64) -> String {
        let (q, r) = unixNanoseconds.quotientAndRemainder(dividingBy: 1_000_000_000)
        let seconds = r < 0 ? q - 1 : q, nanoseconds = r < 0 ? r + 1_000_000_000 : r
        let days = Int(seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400)
        let secondOfDay = Int(seconds - Int64(days) * 86_400)
        let (year, month, day) = civil(fromDays: days)
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        var text = "\(String(repeating: "0", count: max(0, 4 - String(year).count)))\(year)-\(two(month))-\(two(day))"
        text += "T\(two(secondOfDay / 3600)):\(two(secondOfDay / 60 % 60)):\(two(secondOfDay % 60))"
        if nanoseconds != 0 {
            var digits = String(nanoseconds)
            digits = String(repeating: "0", count: 9 - digits.count) + digits
            while digits.hasSuffix("0") { digits.removeLast() }
            text += "." + digits
        }
        return text + "Z"
    }

    private static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// The date of a day number counted from 1970-01-01 (the inverse of `daysFromCivil`, from
    /// the same algorithm).
    private static func civil(fromDays days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    /// Days since 1970-01-01 in the proleptic Gregorian calendar (Howard Hinnant's algorithm).
    private static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }
}
