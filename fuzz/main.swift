// libFuzzer entry point for every target of fuzz/build.sh. The target is chosen by the name the
// binary is run under (`fuzz/.build/fuzz-scenario` is a link to `wgsim-fuzz`) or, failing that,
// by the environment variable WGSIM_FUZZ_TARGET. Each target is one function shared with the test
// suite's corpus replays; a property violation aborts so libFuzzer saves the input as a crash.

#if canImport(Glibc)
import Glibc
#endif

/// The fuzz targets by name, with the corpus folder (fuzz/corpus/NAME) each one reads.
let fuzzTargets: [(name: String, run: ([UInt8]) -> [String])] = [
    ("wire", FuzzTarget.run),
    ("scenario", FuzzScenarioTargets.scenario),
    ("wgquick", FuzzScenarioTargets.wgQuick),
    ("command", FuzzScenarioTargets.commandLines),
    ("time", FuzzScenarioTargets.timeTexts),
    ("keylog", FuzzDecodeTargets.keyLog),
    ("decode", FuzzDecodeTargets.decode),
    ("table", FuzzTableTarget.run),
]

/// The target this process runs, chosen once at start-up.
let selectedTarget: ([UInt8]) -> [String] = {
    let program = CommandLine.arguments.first.map { String($0.split(separator: "/").last ?? "") } ?? ""
    let fromName = program.hasPrefix("fuzz-") ? String(program.dropFirst(5)) : nil
    let fromEnvironment = getenv("WGSIM_FUZZ_TARGET").map { String(cString: $0) }
    let name = fromName ?? fromEnvironment ?? ""
    guard let target = fuzzTargets.first(where: { $0.name == name }) else {
        let names = fuzzTargets.map(\.name).joined(separator: ", ")
        fputs("wgsim-fuzz: no target '\(name)': run as fuzz-NAME or set WGSIM_FUZZ_TARGET to one of \(names)\n", stderr)
        _exit(2)   // not exit(): LeakSanitizer would report the start-up allocations
    }
    return target.run
}()

@_cdecl("LLVMFuzzerInitialize")
public func fuzzInitialize(_ argc: UnsafeMutablePointer<Int32>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>) -> Int32 {
    _ = selectedTarget   // an unknown target stops here, before libFuzzer starts
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = data.map { [UInt8](UnsafeBufferPointer(start: $0, count: size)) } ?? []
    let problems = selectedTarget(bytes)
    if !problems.isEmpty {
        // To standard error, unbuffered: abort() would lose a buffered standard output.
        fputs("property violated: \(problems)\n", stderr)
        abort()
    }
    return 0
}
