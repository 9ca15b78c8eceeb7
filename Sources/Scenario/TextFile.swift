import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reading the text files a run takes in — the scenario and the files it names — with every
/// failure said in words: the path and what is wrong ("does not exist", "is a directory",
/// "permission denied", or the line and column of the first byte that is not UTF-8), never a
/// raw Foundation error. Paths are resolved against the scenario's folder.
enum TextFile {
    /// Files larger than this are refused before they are read to the end: a generated
    /// 1,000,000-peer hub is about 240 MB, and a device such as /dev/zero never ends.
    static let maxBytes = 512 << 20

    /// The text of the file at `path`; errors are `ScenarioError`s naming `path` (with the line
    /// and column when the bytes are not UTF-8).
    static func read(_ path: String) throws -> String {
        let bytes: [UInt8]
        switch readBytes(path) {
        case .success(let b): bytes = b
        case .failure(let problem): throw ScenarioError(file: path, line: nil, "cannot read this file: " + problem.reason)
        }
        return try decode(bytes, file: path)
    }

    /// The text of `path`, a file named at `location` by a scenario value called `what`: when it
    /// cannot be read the error points at the scenario line ("config: cannot read 'x.conf'
    /// (looked for dir/x.conf): does not exist"); bad bytes are reported in the file itself.
    static func read(_ path: String, namedAs name: String, at location: SourceLocation, what: String) throws -> String {
        switch readBytes(path) {
        case .success(let bytes): return try decode(bytes, file: path)
        case .failure(let problem):
            let looked = name == path ? "" : " (looked for \(path))"
            throw location.error("\(what): cannot read '\(name)'\(looked): \(problem.reason)")
        }
    }

    /// The bytes of a file, or why they cannot be had, in words.
    static func readBytes(_ path: String) -> Result<[UInt8], TextProblem> {
        guard !path.isEmpty else { return .failure(TextProblem("the file name is empty")) }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return .failure(TextProblem(FileProblem.words(errno: errno))) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { return .failure(TextProblem(FileProblem.words(errno: errno))) }
        if (info.st_mode & S_IFMT) == S_IFDIR { return .failure(TextProblem(FileProblem.words(errno: EISDIR))) }
        var bytes: [UInt8] = []
        if (info.st_mode & S_IFMT) == S_IFREG && info.st_size > 0 {
            guard info.st_size <= maxBytes else { return .failure(TextProblem(tooLarge)) }
            bytes.reserveCapacity(Int(info.st_size))
        }
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { systemRead(fd, $0.baseAddress, $0.count) }
            if n == 0 { break }
            if n < 0 {
                if errno == EINTR { continue }
                return .failure(TextProblem("read error: " + FileProblem.words(errno: errno)))
            }
            guard bytes.count + n <= maxBytes else { return .failure(TextProblem(tooLarge)) }
            bytes.append(contentsOf: chunk[0..<n])
        }
        return .success(bytes)
    }

    /// read(2), which `TextFile.read` hides inside this type.
    private static func systemRead(_ fd: Int32, _ buffer: UnsafeMutableRawPointer?, _ count: Int) -> Int {
        #if canImport(Glibc)
        Glibc.read(fd, buffer, count)
        #else
        Darwin.read(fd, buffer, count)
        #endif
    }

    private static var tooLarge: String { "it is larger than \(maxBytes >> 20) MiB, more than any scenario input can be" }

    /// `bytes` as text, decoded once; when they are not UTF-8, the error names the line and
    /// column of the first bad byte and the byte itself.
    static func decode(_ bytes: [UInt8], file: String) throws -> String {
        if let text = String(validating: bytes, as: UTF8.self) { return text }
        let bad = firstInvalidUTF8(bytes) ?? 0
        var line = 1, column = 1
        var i = 0
        while i < bad {
            if bytes[i] == UInt8(ascii: "\n") {
                line += 1
                column = 1
            } else if bytes[i] & 0xC0 != 0x80 {
                column += 1
            }
            i += 1
        }
        let byte = "0x" + String(bytes[bad], radix: 16, uppercase: true)
        throw ScenarioError(file: file, line: line, column: column,
                            "byte \(byte) is not valid UTF-8; the file must be UTF-8 text")
    }

    /// The offset of the first byte that does not belong to a well-formed UTF-8 sequence
    /// (RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF), or nil.
    static func firstInvalidUTF8(_ bytes: [UInt8]) -> Int? {
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            if b < 0x80 { i += 1; continue }
            let length: Int
            var low: UInt8 = 0x80, high: UInt8 = 0xBF   // the allowed range of the second byte
            switch b {
            case 0xC2...0xDF: length = 2
            case 0xE0: length = 3; low = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: length = 3
            case 0xED: length = 3; high = 0x9F
            case 0xF0: length = 4; low = 0x90
            case 0xF1...0xF3: length = 4
            case 0xF4: length = 4; high = 0x8F
            default: return i
            }
            // A sequence cut short or continued wrongly is reported at its first byte.
            for k in 1..<length {
                guard i + k < bytes.count else { return i }
                let next = bytes[i + k]
                let (lo, hi) = k == 1 ? (low, high) : (UInt8(0x80), UInt8(0xBF))
                guard next >= lo && next <= hi else { return i }
            }
            i += length
        }
        return nil
    }

    /// `name` relative to `directory` unless it is absolute.
    static func resolve(_ name: String, in directory: String) -> String {
        name.hasPrefix("/") || directory.isEmpty ? name : directory + "/" + name
    }

    /// The folder of a file path ("." for a bare file name).
    static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }
}
