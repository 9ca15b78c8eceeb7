/// Reads RFC 3339 timestamps (`2026-01-01T00:00:00Z`, `2026-01-01T02:00:00.5+02:00`) into Unix
/// nanoseconds, without Foundation's calendar, so the result cannot depend on the machine.
enum TimestampText {
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
        let seconds = Int64(days) * 86_400 + Int64(hour * 3600 + minute * 60 + second) - Int64(offsetSeconds)
        return .success(seconds * 1_000_000_000 + fraction)
    }

    private static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
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
