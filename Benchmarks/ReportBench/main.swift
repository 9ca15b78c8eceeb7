// ReportBench: what report.html costs on a large run, and whether the page stays usable. A hub
// generated as `wgsim generate hub --peers N` makes (HubGenerator, default 1,000-packet trace)
// is run as `wgsim run` runs it — decision log formatted, every interface captured, all to
// /dev/null — once without the report and once with it (the recorder numbering frames, the
// snapshot collector reading tables); then the page is built. Printed: the run's time both ways,
// the page's build time and size, and, where Chromium is installed, the time headless Chromium
// takes to load the page and dump its DOM (minus the same for an empty page).
//
//   swift build -c release --product ReportBench && .build/release/ReportBench [--peers 10000]
//        [--packets 1000] [--runs 3] [--smoke] [--chromium /usr/bin/chromium|none] [--page FILE]
import Foundation
import Report
import Scenario
import Sim

struct Options {
    var peers = [10_000]
    var packets = 1_000
    var runs = 3
    /// Where to keep the last page built (nil: not kept).
    var keepPage: String?
    var chromium: String? = FileManager.default.isExecutableFile(atPath: "/usr/bin/chromium") ? "/usr/bin/chromium" : nil

    init(_ arguments: [String]) {
        var i = 1
        while i < arguments.count {
            let value = i + 1 < arguments.count ? arguments[i + 1] : ""
            switch arguments[i] {
            case "--smoke": peers = [50]; packets = 200; runs = 1
            case "--runs": runs = max(1, Int(value) ?? runs); i += 1
            case "--peers": peers = value.split(separator: ",").compactMap { Int($0) }; i += 1
            case "--packets": packets = Int(value) ?? packets; i += 1
            case "--page": keepPage = value; i += 1
            case "--chromium": chromium = value.isEmpty || value == "none" ? nil : value; i += 1
            default:
                FileHandle.standardError.write(Data("ReportBench: unknown argument \(arguments[i])\n".utf8))
                exit(2)
            }
            i += 1
        }
    }
}

func seconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

func format(_ value: Double, _ digits: Int = 2) -> String { String(format: "%.\(digits)f", value) }

func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }

struct Measurement {
    var runWithout: Double
    var runWith: Double
    var page: Double
    var bytes: Int
    var decisions: Int
    var steps: Int
}

/// One run as `wgsim run` makes it, report or not; returns the run's time and, with a report, the page.
func run(_ scenario: Scenario, report: Bool) throws -> (seconds: Double, run: ScenarioRun, collection: ReportCollection?) {
    let collection = report ? ReportCollection() : nil
    // As SimBench: four shared files (the hub's eth0 and wg0, all peers' eth0, all peers' wg0),
    // so 20,000 interfaces need four descriptors; the recorder still numbers each interface's
    // frames on its own.
    let start = scenario.startUnixNanoseconds
    let shared = ["hub-eth0": try PcapFileCaptureSink(path: "/dev/null", startUnixNanoseconds: start),
                  "hub-wg0": try PcapFileCaptureSink(path: "/dev/null", startUnixNanoseconds: start),
                  "peers-eth0": try PcapFileCaptureSink(path: "/dev/null", startUnixNanoseconds: start),
                  "peers-wg0": try PcapFileCaptureSink(path: "/dev/null", startUnixNanoseconds: start)]
    let sinks = shared.sorted { $0.key < $1.key }.map(\.value)
    let files: CaptureSinkFactory = { name in
        let key = name.hasPrefix("hub-") ? name : (name.hasSuffix("-wg0") ? "peers-wg0" : "peers-eth0")
        return shared[key] ?? DiscardingCaptureSink()
    }
    let began = seconds()
    let run = try ScenarioRun(scenario, keepDecisions: false, captureSink: collection?.captureSinkFactory(files) ?? files)
    collection?.attach(to: run)
    let log = try DecisionLogWriter(jsonlPath: "/dev/null", textPath: "/dev/null")
    run.onDecision = { record in
        collection?.observe(record)
        log.write(record)
    }
    run.run()
    try log.close()
    for sink in sinks { try sink.close() }
    return (seconds() - began, run, collection)
}

/// Seconds headless Chromium takes to load `path` and print its DOM.
func chromiumLoad(_ chromium: String, _ path: String) throws -> Double {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: chromium)
    process.arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--dump-dom", "file://" + path]
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    let start = seconds()
    try process.run()
    process.waitUntilExit()
    return seconds() - start
}

setvbuf(stdout, nil, _IOLBF, 0)
let options = Options(CommandLine.arguments)
let folder = NSTemporaryDirectory() + "reportbench-\(getpid())"
try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(atPath: folder) }
print("ReportBench: generated hub (wgsim generate hub), \(options.packets)-packet trace; decision log and captures to /dev/null; "
      + "\(options.runs) run(s), median")
for peers in options.peers {
    let path = folder + "/hub-\(peers).yaml"
    let trace = options.packets > 0 ? "hub-\(peers)-trace.pcap" : nil
    if let trace { try HubGenerator.writeTrace(path: folder + "/" + trace, peers: peers, packets: options.packets) }
    try HubGenerator.yaml(peers: peers, trace: trace, packets: options.packets).write(toFile: path, atomically: true, encoding: .utf8)
    let scenario = try ScenarioLoader.load(path: path)
    print("\nN = \(peers) peers")
    var measurements: [Measurement] = []
    var lastPage = ""
    for i in 1...options.runs {
        let without = try run(scenario, report: false)
        let with = try run(scenario, report: true)
        let results = with.run.finish()
        let pageStart = seconds()
        let page = with.collection!.page(run: with.run, results: results)
        let pageSeconds = seconds() - pageStart
        let m = Measurement(runWithout: without.seconds, runWith: with.seconds, page: pageSeconds, bytes: page.utf8.count,
                            decisions: with.run.decisionCount, steps: page.components(separatedBy: "<g class=\"arrow\"").count - 1)
        measurements.append(m)
        lastPage = page
        print("  run \(i): run \(format(m.runWithout)) s without the report, \(format(m.runWith)) s with it; page built in \(format(m.page)) s, "
              + "\(m.bytes) bytes (\(format(Double(m.bytes) / 1_048_576)) MiB), \(m.steps) of \(m.decisions) decisions drawn")
    }
    let runWithout = median(measurements.map(\.runWithout)), runWith = median(measurements.map(\.runWith))
    print("  median: run \(format(runWithout)) s → \(format(runWith)) s with the report (+\(format((runWith / runWithout - 1) * 100, 1)) %), "
          + "page \(format(median(measurements.map(\.page)))) s, \(format(Double(measurements[0].bytes) / 1_048_576)) MiB")
    if let keep = options.keepPage { try lastPage.write(toFile: keep, atomically: true, encoding: .utf8) }
    if let chromium = options.chromium {
        let pagePath = folder + "/report-\(peers).html", emptyPath = folder + "/empty.html"
        try lastPage.write(toFile: pagePath, atomically: true, encoding: .utf8)
        try "<!DOCTYPE html><html><body></body></html>".write(toFile: emptyPath, atomically: true, encoding: .utf8)
        var loads: [Double] = [], empties: [Double] = []
        for _ in 1...options.runs {
            empties.append(try chromiumLoad(chromium, emptyPath))
            loads.append(try chromiumLoad(chromium, pagePath))
        }
        print("  chromium --headless --dump-dom: \(format(median(loads))) s for the page, \(format(median(empties))) s for an empty page: "
              + "the page's own load \(format(median(loads) - median(empties))) s")
    }
}
