// SimBench: the full-pipeline benchmark of docs/benchmarks.md. A generated hub (HubGenerator, as
// `wgsim generate hub`) with N peers whose LANs overlap, and a trace of IMIX echo requests from
// the hub to random peers, which answer. Measured end to end through Scenario + Sim: load
// (YAML + trace), build (keys, devices, routes), run with the decision log written as JSONL and
// text (DecisionLogWriter, as `wgsim run`) and the four captures written as pcap, both to
// /dev/null, so disk speed is not measured.
//
//   swift build -c release --product SimBench && .build/release/SimBench [--smoke] [--runs N]
//        [--peers 10000,100000] [--packets 1000000] [--no-format] [--threads N]
//
// --threads N (default 1) writes the decision log and captures through an OutputPipeline of N
// threads, as `wgsim run --threads N`; the event thread's own CPU time is reported beside the
// process's, so the share left on the simulation's thread is seen on a loaded machine too.
import BenchSupport
import Foundation
import Scenario
import Sim
import WireGuard

struct Options {
    var peers = [10_000, 100_000]
    var packets = 1_000_000
    var runs = 5
    var smoke = false
    /// Write every decision as JSONL and text (the workload); off isolates the pipeline's own cost.
    var formatDecisions = true
    /// Threads of the output pipeline, the event loop's included (1: everything on it).
    var threads = 1

    init(_ arguments: [String]) {
        var i = 1
        while i < arguments.count {
            let value = i + 1 < arguments.count ? arguments[i + 1] : ""
            switch arguments[i] {
            case "--smoke":
                smoke = true; peers = [50]; packets = 2_000; runs = 1
            case "--no-format": formatDecisions = false
            case "--runs": runs = max(1, Int(value) ?? runs); i += 1
            case "--peers": peers = value.split(separator: ",").compactMap { Int($0) }; i += 1
            case "--packets": packets = Int(value) ?? packets; i += 1
            case "--threads":
                guard let n = Int(value), n >= 1 else {
                    FileHandle.standardError.write(Data("SimBench: --threads must be at least 1 (got \(value))\n".utf8))
                    exit(2)
                }
                threads = n; i += 1
            default:
                FileHandle.standardError.write(Data("SimBench: unknown argument \(arguments[i])\n".utf8))
                exit(2)
            }
            i += 1
        }
    }
}

/// Wall-clock seconds (benchmarks may read the clock; simulations never do).
func seconds() -> Double { clockSeconds(CLOCK_MONOTONIC) }

/// CPU seconds this process has used: on a shared machine (load often above the core count)
/// this is the fairer measure, so both are reported.
func cpuSeconds() -> Double { clockSeconds(CLOCK_PROCESS_CPUTIME_ID) }

/// CPU seconds the calling thread (the event loop's) has used.
func threadCPUSeconds() -> Double { clockSeconds(CLOCK_THREAD_CPUTIME_ID) }

func clockSeconds(_ clock: clockid_t) -> Double {
    var ts = timespec()
    clock_gettime(clock, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

/// Resident set of this process now, in KiB (/proc/self/statm's second field, in pages).
func residentKiB() -> Double {
    guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
    let fields = text.split(separator: " ")
    guard fields.count > 1, let pages = Double(fields[1]) else { return 0 }
    return pages * Double(sysconf(Int32(_SC_PAGESIZE))) / 1024
}

/// Peak resident set of this process so far, in MiB (getrusage's ru_maxrss is KiB on Linux).
func peakMemoryMiB() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_maxrss) / 1024
}

struct Measurement {
    var parse: Double, build: Double, run: Double, loadCPU: Double, runCPU: Double
    /// CPU time of the loading thread alone during load + build: what it did itself (reading,
    /// building, and its share of the keys once it needed them). With a core of its own and
    /// never waiting, load + build would take about this long on a machine nobody else uses.
    var loadThreadCPU: Double
    /// CPU time of the event thread alone during the run (with --threads 1, about `runCPU`).
    var eventCPU: Double
    var tracePackets: Int, innerPackets: Int, decisions: Int
    /// Sessions set up in the run (`handshake-response-received`: the initiator derived its keys).
    var handshakes: Int
    /// Transport messages whose open ran beside the event loop as a verification (0 with one
    /// thread: the verifications then run on the event thread, as the opens did).
    var opensBeside: Int
    /// Data packets whose transport message was sent unsealed, the seal left to the output
    /// thread (0 with one thread).
    var sealsBeside: Int
    /// Resident KiB the loaded scenario and the built network added (after build − before
    /// load), and what the run added on top (sessions, staged packets, records).
    var loadedKiB: Double, runKiB: Double
}

func measure(scenarioPath: String, formatDecisions: Bool, threads: Int) throws -> Measurement {
    let r0 = residentKiB()
    let t0 = seconds()
    let c0 = cpuSeconds()
    let l0 = threadCPUSeconds()
    let scenario = try ScenarioLoader.load(path: scenarioPath)
    let t1 = seconds()
    // The four captures of docs/benchmarks.md: the hub's eth0 and wg0, and the peers' eth0 and wg0
    // (all peers share one file each, as a capture on the far side of the hub's link would).
    let start = scenario.startUnixNanoseconds
    let pipeline = OutputPipeline(threads: threads)
    func sink() throws -> PcapFileCaptureSink {
        try PcapFileCaptureSink(path: "/dev/null", startUnixNanoseconds: start, pipeline: pipeline)
    }
    let sinks = ["hub-eth0": try sink(), "hub-wg0": try sink(), "peers-eth0": try sink(), "peers-wg0": try sink()]
    let run = try ScenarioRun(scenario, keepDecisions: false, captureSink: { name in
        let key = name.hasPrefix("hub-") ? name : (name.hasSuffix("-wg0") ? "peers-wg0" : "peers-eth0")
        return sinks[key] ?? DiscardingCaptureSink()
    })
    let t2 = seconds()
    let r2 = residentKiB()
    // The decision log as `wgsim run` writes it (DecisionLogWriter: JSONL + text), to /dev/null.
    let log = formatDecisions ? try DecisionLogWriter(jsonlPath: "/dev/null", textPath: "/dev/null", pipeline: pipeline) : nil
    // The decisions are counted by the log writer (or, without one, the simulation's action
    // tally, set-up decisions included), not here: a counter captured by this closure cost a
    // runtime exclusivity check per decision on the event thread.
    if let log { run.onDecision = { record in log.write(record) } }
    // As `wgsim run` does: receivers take a carried plaintext's open as known, verified by the pipeline.
    run.simulation.verifyTransportOpens(on: pipeline)
    let c2 = cpuSeconds()
    let e2 = threadCPUSeconds()
    let l2 = e2
    run.run()
    let results = run.finish()
    try pipeline.transportOpens.close()
    let opensBeside = threads >= 2 ? pipeline.transportOpens.verified : 0
    let sealsBeside = run.simulation.transportSealsDeferred
    try log?.close()
    for (_, sink) in sinks.sorted(by: { $0.key < $1.key }) { try sink.close() }
    pipeline.stop()
    let t3 = seconds()
    let c3 = cpuSeconds()
    let e3 = threadCPUSeconds()
    let r3 = residentKiB()
    if let failed = results.first(where: { !$0.passed }) { print("  expectation failed: \(failed.line)") }
    let summary = run.simulation.summary()
    let inner = summary.nodes.map(\.originated).reduce(0, +)
    let trace = summary.nodes.first?.originated ?? 0
    let handshakes = summary.nodes.flatMap(\.actions).filter { $0.action == "handshake-response-received" }.map(\.count).reduce(0, +)
    let decisionCount = log?.count ?? summary.nodes.flatMap(\.actions).map(\.count).reduce(0, +)
    return Measurement(parse: t1 - t0, build: t2 - t1, run: t3 - t2, loadCPU: c2 - c0, runCPU: c3 - c2, loadThreadCPU: l2 - l0, eventCPU: e3 - e2, tracePackets: trace, innerPackets: inner,
                       decisions: decisionCount, handshakes: handshakes, opensBeside: opensBeside, sealsBeside: sealsBeside, loadedKiB: r2 - r0, runKiB: r3 - r2)
}

func stats(_ values: [Double]) -> (median: Double, min: Double, max: Double) {
    let sorted = values.sorted()
    return (sorted[sorted.count / 2], sorted.first ?? 0, sorted.last ?? 0)
}

func format(_ v: Double, _ digits: Int = 2) -> String { String(format: "%.\(digits)f", v) }

/// What no simulator of this workload can go below on one core, measured here with the same
/// WireGuard calls the Device makes, and the run's figures set against it: AEAD on every inner
/// packet (seal at the sender, open at the receiver) and a full handshake per session set up.
/// The event thread's "rest" subtracts the AEAD it ran itself: the seals not left to the output
/// thread (`Measurement.sealsBeside`), and the opens that did not run beside it as verifications
/// (`Measurement.opensBeside`).
func printFloors(_ runs: [Measurement], runsOfFloor: Int) {
    let rounds = 20_000
    let sealOpen = medianCPUSeconds(runs: runsOfFloor) { transportAEAD(.sealAndOpen, sizes: HubGenerator.imix, rounds: rounds) }
    let aeadPerPacket = sealOpen / Double(rounds * HubGenerator.imix.count)
    let sealPerPacket = medianCPUSeconds(runs: runsOfFloor) { transportAEAD(.seal, sizes: HubGenerator.imix, rounds: rounds) }
        / Double(rounds * HubGenerator.imix.count)
    let openPerPacket = medianCPUSeconds(runs: runsOfFloor) { transportAEAD(.open, sizes: HubGenerator.imix, rounds: rounds) }
        / Double(rounds * HubGenerator.imix.count)
    print("  floor, AEAD measured apart: seal \(format(sealPerPacket * 1e6, 3)) µs + open \(format(openPerPacket * 1e6, 3)) µs per inner packet")
    let batch = 100
    // Every session in this workload is a pair's first: both sides also derive their
    // static-static DH then (the kernel does it when the peer is configured; same cost).
    let handshake = medianCPUSeconds(runs: runsOfFloor) { fullHandshakes(count: batch) } / Double(batch)
        + 2 * medianCPUSeconds(runs: runsOfFloor) { staticSharedDerivations(count: batch) } / Double(batch)
    print("  floor, AEAD alone (Transport seal + open at IMIX sizes): \(format(aeadPerPacket * 1e6, 3)) µs per inner packet "
          + "→ at most \(format(1 / aeadPerPacket / 1e6, 3)) M inner packets/s on one core")
    let handshakes = stats(runs.map { Double($0.handshakes) })
    let handshakeCPU = handshakes.median * handshake
    let runCPU = stats(runs.map(\.runCPU)).median
    let inner = stats(runs.map { Double($0.innerPackets) }).median
    let rest = max(runCPU - handshakeCPU, 1e-9)
    print("  floor, sessions: \(Int(handshakes.median)) first sessions × \(format(handshake * 1e6, 0)) µs (handshake + 2 static-static DH, both sides, X25519-bound) = "
          + "\(format(handshakeCPU)) s of the run's \(format(runCPU)) s CPU; the rest carried \(format(inner / rest / 1e6, 3)) M inner packets/s "
          + "(\(format(rest / max(inner, 1) * 1e6, 2)) µs per inner packet, of which AEAD \(format(aeadPerPacket * 1e6, 2)) µs)")
    let eventCPU = stats(runs.map(\.eventCPU)).median
    // The AEAD the event thread ran: each seal and each open that was not moved beside it.
    let opensBeside = stats(runs.map { Double($0.opensBeside) }).median
    let opensHere = max(inner - opensBeside, 0)
    let sealsBeside = stats(runs.map { Double($0.sealsBeside) }).median
    let sealsHere = max(inner - sealsBeside, 0)
    let eventAEAD = (sealPerPacket * sealsHere + openPerPacket * opensHere) / max(inner, 1)
    let eventRest = max(eventCPU - handshakeCPU, 0) / max(inner, 1) - eventAEAD
    print("  event thread: \(format(eventCPU)) s CPU of the run's \(format(runCPU)) s = \(format(eventCPU / max(inner, 1) * 1e6, 2)) µs per inner packet; "
          + "AEAD on it \(format(eventAEAD * 1e6, 2)) µs per inner packet (seals for \(Int(sealsHere)) and opens for \(Int(opensHere)) of the \(Int(inner)) inner packets: "
          + "\(Int(sealsBeside)) were sent unsealed, sealed beside it where captured or checked; \(Int(opensBeside)) transport messages, keepalives and each session's first message included, were opened beside it as checks); without sessions and that AEAD, the rest on it is \(format(eventRest * 1e6, 2)) µs per inner packet")
}

/// The load's floor: one X25519 public key per node, derived as the build derives them
/// (`PrivateKey.withPublicKeys`, spread over every core), for `count` fresh keys; wall and
/// CPU seconds.
func publicKeyFloor(count: Int) -> (wall: Double, cpu: Double) {
    var random = SeededRandom(seed: 7, label: "SimBench/public-key-floor")
    let keys = (0..<count).map { _ in PrivateKey.generate(using: &random) }
    let start = seconds()
    let startCPU = cpuSeconds()
    let derived = PrivateKey.withPublicKeys(keys)
    let elapsed = seconds() - start
    let cpu = cpuSeconds() - startCPU
    if derived.count != count { print("  public-key floor: derived \(derived.count) of \(count)") }
    return (elapsed, cpu)
}

MallocSettings.fixMmapThreshold()   // as `wgsim` sets it: memory figures comparable with the CLI's
setvbuf(stdout, nil, _IOLBF, 0)  // progress lines appear as they are printed, even into a file
let options = Options(CommandLine.arguments)
let folder = NSTemporaryDirectory() + "simbench-\(getpid())"
try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(atPath: folder) }

print("SimBench: hub with N peers (overlapping 192.168.x.0/24 LANs), \(options.packets)-packet IMIX trace hub → random peers, echo replies back;")
print("output threads: \(options.threads) (\(options.threads == 1 ? "everything on the event thread" : "decision log and captures written beside it"))")
print("decision log \(options.formatDecisions ? "formatted (JSON + text)" : "counted, not formatted (--no-format)"), four captures (hub eth0/wg0, peers eth0/wg0) written as pcap to /dev/null; \(options.runs) run(s) per size, median (min–max)")
for peers in options.peers {
    let path = folder + "/hub-\(peers).yaml"
    let generateStart = seconds()
    let trace = options.packets > 0 ? "hub-\(peers)-trace.pcap" : nil
    if let trace { try HubGenerator.writeTrace(path: folder + "/" + trace, peers: peers, packets: options.packets) }
    try HubGenerator.write(scenarioPath: path, tracePath: nil, traceName: trace, peers: peers, packets: options.packets)
    print("\nN = \(peers) peers (generated in \(format(seconds() - generateStart)) s)")
    var runs: [Measurement] = []
    for i in 1...options.runs {
        let m = try measure(scenarioPath: path, formatDecisions: options.formatDecisions, threads: options.threads)
        runs.append(m)
        print("  run \(i): load \(format(m.parse)) s + build \(format(m.build)) s (CPU \(format(m.loadCPU)) s, loading thread \(format(m.loadThreadCPU)) s), run \(format(m.run)) s (CPU \(format(m.runCPU)) s, event thread \(format(m.eventCPU)) s), "
              + "\(m.tracePackets) trace packets, \(m.innerPackets) inner packets, \(m.decisions) decisions, \(m.handshakes) handshakes, peak \(format(peakMemoryMiB(), 0)) MiB")
    }
    let load = stats(runs.map { $0.parse + $0.build })
    let loadCPU = stats(runs.map(\.loadCPU))
    let parse = stats(runs.map(\.parse)), build = stats(runs.map(\.build))
    let tracePPS = stats(runs.map { Double($0.tracePackets) / max($0.run, 1e-9) })
    let innerPPS = stats(runs.map { Double($0.innerPackets) / max($0.run, 1e-9) })
    let endToEnd = stats(runs.map { Double($0.tracePackets) / ($0.parse + $0.build + $0.run) })
    let cpuPPS = stats(runs.map { Double($0.tracePackets) / max($0.runCPU, 1e-9) })
    print("  load (YAML + trace) \(format(parse.median)) s (\(format(parse.min))–\(format(parse.max))), "
          + "build network \(format(build.median)) s (\(format(build.min))–\(format(build.max))), "
          + "total \(format(load.median)) s (\(format(load.min))–\(format(load.max))), CPU \(format(loadCPU.median)) s (\(format(loadCPU.min))–\(format(loadCPU.max)))")
    print("  run: \(format(tracePPS.median / 1e6, 3)) M trace packets/s (\(format(tracePPS.min / 1e6, 3))–\(format(tracePPS.max / 1e6, 3))), "
          + "\(format(innerPPS.median / 1e6, 3)) M inner packets/s incl. replies (\(format(innerPPS.min / 1e6, 3))–\(format(innerPPS.max / 1e6, 3)))")
    print("  run per CPU second: \(format(cpuPPS.median / 1e6, 3)) M trace packets/s (\(format(cpuPPS.min / 1e6, 3))–\(format(cpuPPS.max / 1e6, 3)))")
    // Resident growth is a per-peer figure only in a fresh process: a later size (or run) reuses
    // heap an earlier one freed. `wgsim run`'s peak-RSS slope between two sizes (BENCHMARKS.md)
    // is the figure of record; this one splits it into load + build and the run.
    if let first = runs.first {
        if peers == options.peers.first {
            print("  memory per client node + its hub peer (first run, resident growth / N): loaded and built "
                  + "\(format(first.loadedKiB / Double(peers), 2)) KiB, the run added \(format(first.runKiB / Double(peers), 2)) KiB "
                  + "(\(first.handshakes) sessions; the trace's packets are in the first figure: use --packets 0 for the network alone)")
        } else {
            print("  memory per peer: measured for the first size only (this process reuses heap the earlier sizes freed)")
        }
    }
    print("  end to end incl. load: \(format(endToEnd.median / 1e6, 3)) M trace packets/s; peak memory \(format(peakMemoryMiB(), 0)) MiB (process maximum so far)")
    let nodes = peers + 1
    let keyFloor = publicKeyFloor(count: nodes)
    let cores = ProcessInfo.processInfo.activeProcessorCount
    print("  floor, load: \(nodes) X25519 public keys over \(cores) cores take "
          + "\(format(keyFloor.wall)) s wall, \(format(keyFloor.cpu)) s CPU (\(format(keyFloor.wall / Double(nodes) * 1e6, 1)) µs wall, "
          + "\(format(keyFloor.cpu / Double(nodes) * 1e6, 1)) µs CPU per key); load + build above took \(format(load.median)) s")
    // The same keys are in the load + build's CPU (every node derives one): what is left is
    // the rest of loading and building, which would need its own share of the cores.
    let restCPU = loadCPU.median - keyFloor.cpu
    print("  load + build CPU \(format(loadCPU.median)) s = keys \(format(keyFloor.cpu)) s (the floor's CPU) + the rest \(format(restCPU)) s; "
          + "on \(cores) cores with nothing waiting, at least \(format(loadCPU.median / Double(cores))) s wall "
          + "(the keys alone \(format(keyFloor.cpu / Double(cores))) s)")
    if options.packets > 0 { printFloors(runs, runsOfFloor: options.smoke ? 1 : 5) }
    try? FileManager.default.removeItem(atPath: folder + "/hub-\(peers)-trace.pcap")
}
