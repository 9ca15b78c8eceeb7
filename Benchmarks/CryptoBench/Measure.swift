import Foundation

/// Rates (operations per second) over several runs.
struct Figures {
    var rates: [Double] = []
    var median: Double { medianOf(rates) }
    var min: Double { rates.min() ?? 0 }
    var max: Double { rates.max() ?? 0 }
}

/// A reference and ours, measured back to back in each run.
struct Pair {
    var reference = Figures(), ours = Figures()
    /// Per-run time ratios ours / reference (> 1: ours is slower).
    var ratios: [Double] = []
    var medianRatio: Double { medianOf(ratios) }
}

func medianOf(_ values: [Double]) -> Double {
    let s = values.sorted()
    return s.isEmpty ? 0 : s[s.count / 2]
}

/// Monotonic nanoseconds (benchmarks may read the clock; the simulator never does).
func now() -> UInt64 {
    var t = timespec()
    clock_gettime(CLOCK_MONOTONIC, &t)
    return UInt64(t.tv_sec) * 1_000_000_000 + UInt64(t.tv_nsec)
}

/// Operations per second of one timed call of `body(operations)`.
func rate(_ operations: Int, _ body: (Int) -> UInt64) -> Double {
    let start = now()
    blackHole(body(operations))
    return Double(operations) / (Double(now() - start) / 1e9)
}

/// Warms both up, then times reference and ours back to back `runs` times.
func measurePair(runs: Int, operations: Int, reference: (Int) -> UInt64, ours: (Int) -> UInt64) -> Pair {
    _ = reference(max(1, operations / 10))
    _ = ours(max(1, operations / 10))
    var pair = Pair()
    for _ in 0..<runs {
        let r = rate(operations, reference), o = rate(operations, ours)
        pair.reference.rates.append(r)
        pair.ours.rates.append(o)
        pair.ratios.append(r / o)
    }
    return pair
}

/// Keeps a result alive so the optimiser cannot drop the work that made it.
@inline(never) func blackHole(_ value: UInt64) {
    if value == 0x5eed_5eed_5eed_5eed { print("") }
}

func format(_ rate: Double) -> String {
    if rate >= 1e6 { return String(format: "%.2f M", rate / 1e6) }
    if rate >= 1e3 { return String(format: "%.1f k", rate / 1e3) }
    return String(format: "%.0f", rate)
}

func line(_ label: String, _ f: Figures, unit: String) -> String {
    let padded = label.count < 50 ? label + String(repeating: " ", count: 50 - label.count) : label
    return "\(padded) \(format(f.median)) \(unit) [\(format(f.min))–\(format(f.max))]"
}

func costLine(_ pair: Pair) -> String {
    String(format: "  cost %.2f× raw [%.2f–%.2f]", pair.medianRatio, pair.ratios.min() ?? 0, pair.ratios.max() ?? 0)
}
