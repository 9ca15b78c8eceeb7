// RoutingBench: AllowedIPs lookups, inserts and memory on the workload of docs/benchmarks.md.
//
// IPv4: N prefixes, each a uniformly random address with a length uniform in 8...32, owned by
// one of 1,000 peers, fixed seed; N = 1k, 100k, 1M. IPv6: 100k prefixes, length 16...128.
// Lookups: (a) uniformly random addresses, (b) addresses inside a random inserted prefix; each
// figure is the median of 5 runs of >= 5 M lookups, with min-max. Measured both on the derived
// table (Poptrie) and on the trie walk it is derived from; a naive list at 1k is the reference.
// `--smoke`: tiny sizes, a few seconds.
import Routing
#if canImport(Glibc)
import Glibc
#endif

setvbuf(stdout, nil, _IOLBF, 0)   // show each figure as soon as it is measured
let smoke = CommandLine.arguments.contains("--smoke")
let runs = smoke ? 3 : 5
let lookupsPerRun = smoke ? 200_000 : 5_000_000
let probeCount = smoke ? 100_000 : 1_000_000

/// SplitMix64 with a fixed seed: the workload is the same on every run.
struct SplitMix64 {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE5_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// CPU time of this thread, in seconds. Rates are per CPU-second of the benchmark thread: the
/// machine is shared, and time spent descheduled is not the code's (cache contention still is).
func threadCPUSeconds() -> Double {
    var now = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now)
    return Double(now.tv_sec) + Double(now.tv_nsec) * 1e-9
}

/// Wall-clock time, in seconds (printed beside CPU time for the load figure).
func wallSeconds() -> Double {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return Double(now.tv_sec) + Double(now.tv_nsec) * 1e-9
}

var lastWallSeconds = 0.0

/// Thread CPU seconds taken by `body` (its wall time is left in `lastWallSeconds`).
func seconds(_ body: () -> Void) -> Double {
    let wallStart = wallSeconds(), start = threadCPUSeconds()
    body()
    let cpu = threadCPUSeconds() - start
    lastWallSeconds = wallSeconds() - wallStart
    return cpu
}

/// Resident set size from /proc/self/statm (Linux), in bytes; 0 where unavailable.
func residentBytes() -> Int {
    guard let file = fopen("/proc/self/statm", "r") else { return 0 }
    defer { fclose(file) }
    var line = [CChar](repeating: 0, count: 256)
    guard fgets(&line, Int32(line.count), file) != nil else { return 0 }
    let fields = String(cString: line).split(separator: " ")
    guard fields.count >= 2, let pages = Int(fields[1]) else { return 0 }
    return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
}

/// `x` with `digits` decimals (no Foundation here).
func fixed(_ x: Double, _ digits: Int = 2) -> String {
    var scale = 1.0
    for _ in 0..<digits { scale *= 10 }
    let scaled = Int((abs(x) * scale).rounded())
    let whole = scaled / Int(scale), fraction = scaled % Int(scale)
    var fractionText = String(fraction)
    while fractionText.count < digits { fractionText = "0" + fractionText }
    return (x < 0 ? "-" : "") + String(whole) + (digits > 0 ? "." + fractionText : "")
}

/// "median M/s (min–max)" of `rates` (operations per second).
func summary(_ rates: [Double]) -> String {
    let sorted = rates.sorted()
    func m(_ x: Double) -> String { fixed(x / 1e6) }
    return "\(m(sorted[sorted.count / 2])) M/s (\(m(sorted.first ?? 0))–\(m(sorted.last ?? 0)))"
}

/// Times `lookupsPerRun` lookups over `probes`, `runs` times; returns the rates.
func lookupRates(_ probes: [IPAddress], _ lookup: (IPAddress) -> Int?) -> [Double] {
    var rates: [Double] = []
    var sink = 0
    for _ in 0..<runs {
        var done = 0
        let time = seconds {
            while done < lookupsPerRun {
                for address in probes { sink &+= lookup(address) ?? -1 }
                done += probes.count
            }
        }
        rates.append(Double(done) / time)
    }
    if sink == 42 { print("") }   // keeps the lookups from being optimised away
    return rates
}

func lookupRatesV4(_ probes: [UInt32], _ table: AllowedIPs<Int>) -> [Double] {
    var rates: [Double] = []
    var sink = 0
    for _ in 0..<runs {
        var done = 0
        let time = seconds {
            while done < lookupsPerRun {
                for address in probes { sink &+= table.lookup(ipv4: address) ?? -1 }
                done += probes.count
            }
        }
        rates.append(Double(done) / time)
    }
    if sink == 42 { print("") }
    return rates
}

/// The workload's prefixes and probe addresses for one family and size.
struct Workload {
    var prefixes: [IPPrefix] = []
    var peers: [Int] = []
    var randomProbes: [IPAddress] = []
    var inPrefixProbes: [IPAddress] = []

    init(ipv6: Bool, count: Int, seed: UInt64) {
        var random = SplitMix64(state: seed)
        for _ in 0..<count {
            let address: IPAddress, length: Int
            if ipv6 {
                address = .v6(IPv6Address(high: random.next(), low: random.next()))
                length = 16 + Int(random.next() % 113)
            } else {
                address = .v4(IPv4Address(UInt32(truncatingIfNeeded: random.next())))
                length = 8 + Int(random.next() % 25)
            }
            guard let p = try? IPPrefix(address: address, length: length) else { continue }
            prefixes.append(p)
            peers.append(Int(random.next() % 1000))
        }
        for _ in 0..<probeCount {
            if ipv6 {
                randomProbes.append(.v6(IPv6Address(high: random.next(), low: random.next())))
            } else {
                randomProbes.append(.v4(IPv4Address(UInt32(truncatingIfNeeded: random.next()))))
            }
            let p = prefixes[Int(random.next() % UInt64(prefixes.count))]
            switch p.address {
            case .v4(let a):
                let host = p.length == 32 ? 0 : UInt32(truncatingIfNeeded: random.next()) & (UInt32.max >> p.length)
                inPrefixProbes.append(.v4(IPv4Address(a.value | host)))
            case .v6(let a):
                let hostHigh = p.length >= 64 ? 0 : random.next() & (UInt64.max >> p.length)
                let hostLow = p.length >= 128 ? 0 : random.next() & (UInt64.max >> max(0, p.length - 64))
                inPrefixProbes.append(.v6(IPv6Address(high: a.high | hostHigh, low: a.low | hostLow)))
            }
        }
    }
}

func v4Values(_ probes: [IPAddress]) -> [UInt32] {
    probes.map { if case .v4(let a) = $0 { return a.value } else { return 0 } }
}

/// `--only NAME` runs just the named workload (e.g. `--only "IPv4 1M"`).
let onlyIndex = CommandLine.arguments.firstIndex(of: "--only")
let only = onlyIndex.flatMap { $0 + 1 < CommandLine.arguments.count ? CommandLine.arguments[$0 + 1] : nil }

func bench(name: String, ipv6: Bool, count: Int, naiveReference: Bool) {
    if let only, only != name { return }
    let workload = Workload(ipv6: ipv6, count: count, seed: 0x5EED_0000 + UInt64(count) + (ipv6 ? 1 : 0))
    // Load time: fresh tables, median of the runs; the last one is kept for the lookups.
    var loadRates: [Double] = [], loadWall: [Double] = []
    var table = AllowedIPs<Int>()
    var residentBefore = 0, residentLoaded = 0, residentBuilt = 0
    for _ in 0..<runs {
        table = AllowedIPs<Int>()
        residentBefore = residentBytes()
        let fresh = table
        let time = seconds {
            for (p, peer) in zip(workload.prefixes, workload.peers) { fresh.insert(p, for: peer) }
        }
        residentLoaded = residentBytes()
        loadRates.append(Double(workload.prefixes.count) / time)
        loadWall.append(lastWallSeconds)
    }
    var buildTimes: [Double] = []
    let residentBeforeBuild = residentBytes()
    for run in 0..<runs {
        if run == 1 { residentBuilt = residentBytes() }
        table.discardLookupTables()
        table.compactLookupMinimumNodes = 0
        buildTimes.append(seconds { table.prepareLookupTables() })
    }
    if runs == 1 { residentBuilt = residentBytes() }
    let storage = table.storageBytes
    let prefixes = Double(table.count)
    print("\(name): \(workload.prefixes.count) inserted, \(table.count) distinct prefixes, nodes \(ipv6 ? table.nodeCounts.ipv6 : table.nodeCounts.ipv4)")
    let loadSeconds: Double = Double(workload.prefixes.count) / loadRates.sorted()[runs / 2]
    print("  inserts: \(summary(loadRates)); load of all \(workload.prefixes.count): \(fixed(loadSeconds, 3)) s CPU, "
          + "\(fixed(loadWall.sorted()[runs / 2], 3)) s wall (medians)")
    print("  lookup table build: \(fixed(buildTimes.sorted()[runs / 2], 3)) s (median)")
    print("  lookup table shape: \(table.lookupTableShape.nodes) nodes of 24 B, \(table.lookupTableShape.answers) answers of 2 B (4 B past 65,535 peers), 256 KiB direct index")
    let trieBytes: Double = Double(storage.tries) / prefixes
    let tableBytes: Double = Double(storage.lookupTables) / prefixes
    let trieResident: Double = Double(residentLoaded - residentBefore) / prefixes
    let tableResident: Double = Double(residentBuilt - residentBeforeBuild) / prefixes
    print("  memory per distinct prefix: trie \(fixed(trieBytes, 1)) B + lookup table \(fixed(tableBytes, 1)) B (arrays in use);"
          + " resident growth \(fixed(trieResident, 1)) B (trie) + \(fixed(tableResident, 1)) B (table)")

    let (tableRandom, tableInPrefix) = lookupRatesOfBothProbeSets(workload, table, ipv6: ipv6)
    print("  lookups, derived table: random \(summary(tableRandom)); in-prefix \(summary(tableInPrefix))")
    // lookupEntry (peer and prefix, what the WireGuard device logs): a table that carries prefixes.
    _ = table.lookupEntry(workload.randomProbes[0])
    table.prepareLookupTables()
    let entryBytes: Double = Double(table.storageBytes.lookupTables) / prefixes
    let entryRandom = lookupRates(workload.randomProbes) { table.lookupEntry($0)?.peer }
    let entryInPrefix = lookupRates(workload.inPrefixProbes) { table.lookupEntry($0)?.peer }
    print("  lookupEntry, table with prefixes (\(fixed(entryBytes, 1)) B/prefix): random \(summary(entryRandom)); in-prefix \(summary(entryInPrefix))")
    table.discardLookupTables()
    table.compactLookupMinimumNodes = .max
    let (trieRandom, trieInPrefix) = lookupRatesOfBothProbeSets(workload, table, ipv6: ipv6)
    print("  lookups, trie walk:     random \(summary(trieRandom)); in-prefix \(summary(trieInPrefix))")
    if naiveReference { benchNaive(workload, tableRandom: tableRandom, tableInPrefix: tableInPrefix) }
}

/// Lookup rates over the random and the in-prefix probes, through the IPv4 fast path where it
/// applies (whatever the table currently answers from: derived table or trie walk).
func lookupRatesOfBothProbeSets(_ workload: Workload, _ table: AllowedIPs<Int>, ipv6: Bool) -> (random: [Double], inPrefix: [Double]) {
    if ipv6 {
        return (lookupRates(workload.randomProbes) { table.lookup($0) }, lookupRates(workload.inPrefixProbes) { table.lookup($0) })
    }
    return (lookupRatesV4(v4Values(workload.randomProbes), table), lookupRatesV4(v4Values(workload.inPrefixProbes), table))
}

/// The reference: a plain list scanned for the longest matching prefix.
func benchNaive(_ workload: Workload, tableRandom: [Double], tableInPrefix: [Double]) {
    var list: [(network: UInt32, mask: UInt32, length: Int, peer: Int)] = []
    for (p, peer) in zip(workload.prefixes, workload.peers) {
        guard case .v4(let a) = p.address else { continue }
        let mask = p.length == 0 ? 0 : UInt32.max << (32 - p.length)
        if let i = list.firstIndex(where: { $0.network == a.value && $0.length == p.length }) { list.remove(at: i) }
        list.append((a.value, mask, p.length, peer))
    }
    func rates(_ probes: [UInt32]) -> [Double] {
        var result: [Double] = []
        var sink = 0
        let sample = Array(probes.prefix(smoke ? 20_000 : 200_000))
        for _ in 0..<runs {
            let time = seconds {
                for address in sample {
                    var best = -1, bestPeer = -1
                    for entry in list where address & entry.mask == entry.network && entry.length > best {
                        best = entry.length
                        bestPeer = entry.peer
                    }
                    sink &+= bestPeer
                }
            }
            result.append(Double(sample.count) / time)
        }
        if sink == 42 { print("") }
        return result
    }
    let random = rates(v4Values(workload.randomProbes)), inPrefix = rates(v4Values(workload.inPrefixProbes))
    func median(_ x: [Double]) -> Double { x.sorted()[x.count / 2] }
    print("  lookups, naive list:    random \(summary(random)); in-prefix \(summary(inPrefix))")
    let ratioRandom: Double = median(tableRandom) / median(random)
    let ratioInPrefix: Double = median(tableInPrefix) / median(inPrefix)
    print("  derived table / naive list: \(fixed(ratioRandom, 1))x random, \(fixed(ratioInPrefix, 1))x in-prefix")
}

print("RoutingBench\(smoke ? " (smoke)" : ""): \(runs) runs, \(lookupsPerRun) lookups per run, median (min–max), "
      + "rates per CPU-second of the benchmark thread")
if CommandLine.arguments.contains("--load-only") {
    // For profiling the insert path: load 1M IPv4 prefixes a few times, nothing else.
    let workload = Workload(ipv6: false, count: 1_000_000, seed: 0x5EED_0000 + 1_000_000)
    for _ in 0..<3 {
        let table = AllowedIPs<Int>()
        let time = seconds { for (p, peer) in zip(workload.prefixes, workload.peers) { table.insert(p, for: peer) } }
        print("load 1M: \(fixed(time, 3)) s CPU, \(fixed(lastWallSeconds, 3)) s wall")
    }
} else if smoke {
    bench(name: "IPv4 1k", ipv6: false, count: 1_000, naiveReference: true)
    bench(name: "IPv4 20k", ipv6: false, count: 20_000, naiveReference: false)
    bench(name: "IPv6 5k", ipv6: true, count: 5_000, naiveReference: false)
} else {
    bench(name: "IPv4 1k", ipv6: false, count: 1_000, naiveReference: true)
    bench(name: "IPv4 100k", ipv6: false, count: 100_000, naiveReference: false)
    bench(name: "IPv4 1M", ipv6: false, count: 1_000_000, naiveReference: false)
    bench(name: "IPv6 100k", ipv6: true, count: 100_000, naiveReference: false)
}
