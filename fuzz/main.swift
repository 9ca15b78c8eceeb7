// libFuzzer entry point: every input goes through FuzzTarget (Tests/PcapTests/FuzzTarget.swift);
// a property violation aborts so libFuzzer saves the input as a crash. Built by fuzz/build.sh.

#if canImport(Glibc)
import Glibc
#endif
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = data.map { [UInt8](UnsafeBufferPointer(start: $0, count: size)) } ?? []
    let problems = FuzzTarget.run(bytes)
    if !problems.isEmpty {
        print("property violated: \(problems)")
        abort()
    }
    return 0
}
