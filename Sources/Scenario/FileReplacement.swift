#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why a generated file could not be written: the file the user named and the problem in words
/// (e.g. "hub.yaml: no space left on device").
public struct FileWriteError: Error, Equatable, Sendable, CustomStringConvertible {
    public let path: String
    public let problem: String

    public init(path: String, _ problem: String) {
        self.path = path
        self.problem = problem
    }

    /// `path` and the words for `code` (`FileProblem.words(errno:)`).
    init(path: String, doing action: String? = nil, code: Int32) {
        self.init(path: path, (action.map { $0 + ": " } ?? "") + FileProblem.words(errno: code))
    }

    public var description: String { "\(path): \(problem)" }
}

/// A file written in full under a temporary name beside its target, then renamed over it: a
/// failure part-way leaves neither a half-written file nor a damaged old one (`rename` replaces
/// the target in one step), and the new file keeps the old one's permissions. Only regular files are replaced; a symbolic link is followed, so its
/// destination gets the new contents and the link stays.
final class FileReplacement {
    /// The file the user named.
    let target: String
    /// The file actually replaced (the target, or where its symbolic link points).
    let destination: String
    /// The temporary file beside `destination`; writers write here, and `commit` renames it.
    let temporaryPath: String
    private var finished = false

    /// Checks that `target` may be replaced and creates the (empty) temporary file.
    init(target: String) throws {
        self.target = target
        let destination = try FileReplacement.resolvedDestination(of: target)
        self.destination = destination
        let slash = destination.lastIndex(of: "/")
        let folder = slash.map { String(destination[...$0]) } ?? ""
        let name = slash.map { String(destination[destination.index(after: $0)...]) } ?? destination
        var attempt = 0
        while true {
            let candidate = "\(folder).\(name).\(getpid())-\(attempt).tmp"
            let fd = open(candidate, O_WRONLY | O_CREAT | O_EXCL, 0o666)
            if fd >= 0 {
                // The replacement keeps the permissions of the file it replaces.
                var old = stat()
                if stat(destination, &old) == 0 { _ = fchmod(fd, old.st_mode & 0o7777) }
                _ = close(fd)
                temporaryPath = candidate
                break
            }
            guard errno == EEXIST, attempt < 100 else {
                throw FileWriteError(path: target, doing: "cannot create a temporary file in its folder", code: errno)
            }
            attempt += 1
        }
    }

    deinit { discard() }

    /// Renames the finished temporary file over the destination.
    func commit() throws {
        guard !finished else { return }
        guard rename(temporaryPath, destination) == 0 else {
            let code = errno
            discard()
            throw FileWriteError(path: target, doing: "cannot put the new file in place", code: code)
        }
        finished = true
    }

    /// Removes the temporary file (a failure, or a sibling file that failed); the target is untouched.
    func discard() {
        guard !finished else { return }
        finished = true
        _ = unlink(temporaryPath)
    }

    /// The regular file `target` names (following symbolic links), or `target` itself when it
    /// does not exist yet; refuses folders and special files (a device such as /dev/full must
    /// be written, not replaced, and this writer only replaces).
    private static func resolvedDestination(of target: String) throws -> String {
        guard !target.isEmpty else { throw FileWriteError(path: target, "no file name given") }
        if target.hasSuffix("/") { throw FileWriteError(path: target, code: EISDIR) }
        var path = target
        var info = stat()
        for _ in 0..<40 {   // the kernel's own limit on nested links (ELOOP)
            guard lstat(path, &info) == 0 else {
                if errno == ENOENT { return path }
                throw FileWriteError(path: target, code: errno)
            }
            switch info.st_mode & S_IFMT {
            case S_IFREG: return path
            case S_IFDIR: throw FileWriteError(path: target, code: EISDIR)
            case S_IFLNK:
                guard let next = readLink(path) else { throw FileWriteError(path: target, code: errno) }
                if next.hasPrefix("/") {
                    path = next
                } else if let slash = path.lastIndex(of: "/") {
                    path = String(path[...slash]) + next
                } else {
                    path = next
                }
            default:
                throw FileWriteError(path: target, "is not a regular file (a device, socket or pipe is not replaced)")
            }
        }
        throw FileWriteError(path: target, code: ELOOP)
    }

    private static func readLink(_ path: String) -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let count = readlink(path, &buffer, buffer.count - 1)
        guard count >= 0 else { return nil }
        return String(decoding: buffer[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// Text written to a file through a fixed 64 KiB buffer, so output of any size needs no more
/// memory than that.
final class BufferedTextFile {
    let path: String
    /// The name to put in errors (the user's file, not a temporary one).
    let reportedPath: String
    private var fd: Int32
    private var buffer: [UInt8] = []
    private static let capacity = 1 << 16

    /// Opens `path` for writing, truncating it.
    init(path: String, reportedPath: String) throws {
        self.path = path
        self.reportedPath = reportedPath
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o666)
        guard fd >= 0 else { throw FileWriteError(path: reportedPath, code: errno) }
        buffer.reserveCapacity(BufferedTextFile.capacity)
    }

    deinit { if fd >= 0 { _ = closeFile(fd) } }

    func write(_ text: String) throws {
        var text = text
        try text.withUTF8 { bytes in
            if buffer.count + bytes.count > BufferedTextFile.capacity { try flush() }
            if bytes.count >= BufferedTextFile.capacity {
                try writeOut(UnsafeRawBufferPointer(bytes))
            } else {
                buffer.append(contentsOf: bytes)
            }
        }
    }

    func flush() throws {
        guard !buffer.isEmpty else { return }
        defer { buffer.removeAll(keepingCapacity: true) }
        try buffer.withUnsafeBytes { try writeOut($0) }
    }

    /// Flushes and closes; a full disk may only show at `close`, so its result counts too.
    func close() throws {
        guard fd >= 0 else { return }
        var failure: Error?
        do { try flush() } catch { failure = error }
        let closed = closeFile(fd)
        let code = errno
        fd = -1
        if let failure { throw failure }
        guard closed == 0 else { throw FileWriteError(path: reportedPath, code: code) }
    }

    private func writeOut(_ bytes: UnsafeRawBufferPointer) throws {
        guard let base = bytes.baseAddress, fd >= 0 else { return }
        var done = 0
        while done < bytes.count {
            let n = writeFile(fd, base + done, bytes.count - done)
            if n < 0 {
                if errno == EINTR { continue }
                throw FileWriteError(path: reportedPath, code: errno)
            }
            done += n
        }
    }
}

// File-scope wrappers: inside the class, `close` and `write` name its own methods.
private func closeFile(_ fd: Int32) -> Int32 { close(fd) }
private func writeFile(_ fd: Int32, _ p: UnsafeRawPointer, _ n: Int) -> Int { write(fd, p, n) }
