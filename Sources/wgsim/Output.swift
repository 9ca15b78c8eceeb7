#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes to the process's standard streams without Foundation's buffering surprises.
enum FileHandleOutput {
    static func standardError(_ text: String) {
        var t = text
        t.withUTF8 { buf in _ = fwrite(buf.baseAddress, 1, buf.count, stderr) }
    }
    static func standardOutput(_ text: String) {
        var t = text
        t.withUTF8 { buf in _ = fwrite(buf.baseAddress, 1, buf.count, stdout) }
    }
}
