// PcapBench: packets per second for writing a 1 M-packet pcap with PcapWriter and for reading +
// decapsulating it with PcapReader, at 128-byte packets and IMIX (7 × 64 B, 4 × 576 B,
// 1 × 1420 B), as docs/benchmarks.md ("pcap") asks. Goal ≥ 5 M packets/s each way on one core.
// Prints the median of 5 runs with min–max, by wall clock and by this thread's CPU time. `--smoke` runs 10 000 packets, 2 runs.
import CPcap
import Foundation
import Packet
import Pcap
#if canImport(Glibc)
import Glibc
#endif

let smoke = CommandLine.arguments.contains("--smoke")
let packetCount = smoke ? 10_000 : 1_000_000
let runs = smoke ? 2 : 5
let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pcapbench-\(getpid())").path
mkdir(directory, 0o755)

/// Monotonic nanoseconds (benchmark timing only; the simulator never reads a clock).
func now() -> UInt64 { clockNanoseconds(CLOCK_MONOTONIC) }

/// CPU time this thread has used, user + system: the "one core" figure, which other processes
/// sharing the machine do not inflate the way they inflate wall-clock time.
func cpuNow() -> UInt64 { clockNanoseconds(CLOCK_THREAD_CPUTIME_ID) }

func clockNanoseconds(_ clock: clockid_t) -> UInt64 {
    var t = timespec()
    clock_gettime(clock, &t)
    return UInt64(t.tv_sec) * 1_000_000_000 + UInt64(t.tv_nsec)
}

/// Wall-clock and CPU nanoseconds spent in `body`.
func measure(_ body: () throws -> Void) rethrows -> (wall: UInt64, cpu: UInt64) {
    let wall = now(), cpu = cpuNow()
    try body()
    return (now() - wall, cpuNow() - cpu)
}

/// An IPv4/UDP packet of exactly `size` bytes.
func packet(size: Int, seed: Int) -> [UInt8] {
    let from = Endpoint(address: .v4(IPv4Address(10, 0, UInt8(seed & 0xff), 1)), port: 51820)
    let to = Endpoint(address: .v4(IPv4Address(10, 0, 0, 2)), port: 51820)
    return PacketBuilder.udp(from: from, to: to, payload: [UInt8](repeating: UInt8(seed & 0xff), count: size - 28))
}

let workloads: [(name: String, packets: [[UInt8]])] = [
    ("128 B", [packet(size: 128, seed: 1)]),
    ("IMIX", (0..<7).map { packet(size: 64, seed: $0) } + (0..<4).map { packet(size: 576, seed: $0) } + [packet(size: 1420, seed: 9)]),
]

/// Rates over several runs, by wall clock and by CPU time.
struct Figures {
    var wall: [Double] = []
    var cpu: [Double] = []
    mutating func add(packets: Int, _ t: (wall: UInt64, cpu: UInt64)) {
        wall.append(Double(packets) / (Double(max(t.wall, 1)) / 1e9))
        cpu.append(Double(packets) / (Double(max(t.cpu, 1)) / 1e9))
    }
    static func summary(_ rates: [Double]) -> String {
        let sorted = rates.sorted()
        func m(_ x: Double) -> String { String(Double(Int(x / 10_000)) / 100) }
        return "\(m(sorted[sorted.count / 2])) (\(m(sorted.first ?? 0))–\(m(sorted.last ?? 0)))"
    }
    var text: String { "wall \(Figures.summary(wall)) M pkt/s; CPU \(Figures.summary(cpu)) M pkt/s" }
}

/// Writes `packetCount` packets to a fresh file (the old one removed outside the timing).
func write(_ path: String, _ packets: [[UInt8]], linkType: LinkType) throws -> (wall: UInt64, cpu: UInt64) {
    unlink(path)
    return try measure {
        let writer = try PcapWriter(path: path, linkType: linkType)
        for i in 0..<packetCount {
            try writer.write(packets[i % packets.count], timestamp: 1_700_000_000_000_000_000 + Int64(i) * 1000)
        }
        try writer.close()
    }
}

/// Reads every packet through `next()` (one array per packet, as replay uses it).
func readCopying(_ path: String) throws -> (wall: UInt64, cpu: UInt64) {
    var bytes = 0, n = 0
    let elapsed = try measure {
        let reader = try PcapReader(path: path)
        while let p = try reader.next() { bytes &+= p.bytes.count; n += 1 }
    }
    guard n == packetCount, bytes > 0 else { throw PcapError(path: path, "read \(n) of \(packetCount) packets") }
    return elapsed
}

/// Reads every packet through `nextFrame` (bytes lent, no copy).
func readBorrowing(_ path: String) throws -> (wall: UInt64, cpu: UInt64) {
    var bytes = 0, n = 0
    let elapsed = try measure {
        let reader = try PcapReader(path: path)
        while let count = try reader.nextFrame({ _, _, b in b.count }) { bytes &+= count; n += 1 }
    }
    guard n == packetCount, bytes > 0 else { throw PcapError(path: path, "read \(n) of \(packetCount) packets") }
    return elapsed
}

/// libpcap alone: pcap_next_ex over the file, no decapsulation, for reference.
func readLibpcapOnly(_ path: String) throws -> (wall: UInt64, cpu: UInt64) {
    var errbuf = [CChar](repeating: 0, count: Int(PCAP_ERRBUF_SIZE) + 1)
    var n = 0
    let elapsed = try measure {
        guard let p = pcap_open_offline_with_tstamp_precision(path, UInt32(PCAP_TSTAMP_PRECISION_NANO), &errbuf) else {
            throw PcapError(path: path, String(cString: errbuf))
        }
        var header: UnsafeMutablePointer<pcap_pkthdr>?, data: UnsafePointer<UInt8>?
        while pcap_next_ex(p, &header, &data) == 1 { n += 1 }
        pcap_close(p)
    }
    guard n == packetCount else { throw PcapError(path: path, "read \(n) of \(packetCount) packets") }
    return elapsed
}

/// The per-packet Packet-layer calls the simulator makes: summary for routing, outer UDP build.
func packetLayer() {
    let inner = packet(size: 128, seed: 3)
    let message = [UInt8](repeating: 4, count: 148)   // a 128-byte inner packet sealed as a transport message
    let from = Endpoint(address: .v4(IPv4Address(192, 0, 2, 1)), port: 51820)
    let to = Endpoint(address: .v4(IPv4Address(198, 51, 100, 2)), port: 51820)
    var summary = Figures(), build = Figures()
    for _ in 0..<runs {
        var sink = 0
        summary.add(packets: packetCount, measure {
            for _ in 0..<packetCount { if let s = try? IPPacketSummary(parsing: inner) { sink &+= s.totalLength } }
        })
        build.add(packets: packetCount, measure {
            for _ in 0..<packetCount { sink &+= PacketBuilder.udp(from: from, to: to, payload: message).count }
        })
        if sink == 0 { print("unexpected: nothing parsed or built") }
    }
    print("Packet layer:")
    print("  IPPacketSummary(parsing:) 128 B      \(summary.text)")
    print("  PacketBuilder.udp, 148 B payload     \(build.text)")
}

print("PcapBench: \(packetCount) packets per run\(smoke ? " (smoke)" : "")")
do {
    for (name, packets) in workloads {
        for link in [LinkType.raw, .ethernet] {
            let path = "\(directory)/\(name == "IMIX" ? "imix" : "128")-\(link).pcap"
            var w = Figures(), copying = Figures(), borrowing = Figures(), baseline = Figures()
            for _ in 0..<runs {
                w.add(packets: packetCount, try write(path, packets, linkType: link))
                copying.add(packets: packetCount, try readCopying(path))
                borrowing.add(packets: packetCount, try readBorrowing(path))
                baseline.add(packets: packetCount, try readLibpcapOnly(path))
            }
            print("\(name) \(link):")
            print("  write (PcapWriter)                 \(w.text)")
            print("  read + decapsulate, next()         \(copying.text)")
            print("  read + decapsulate, nextFrame      \(borrowing.text)")
            print("  libpcap pcap_next_ex alone         \(baseline.text)")
            unlink(path)
        }
    }
    rmdir(directory)
    packetLayer()
} catch {
    print("PcapBench failed: \(error)")
    exit(1)
}
