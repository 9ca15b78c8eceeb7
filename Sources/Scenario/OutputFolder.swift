import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The checks on an output or golden folder that run before anything is written, so that a run
/// can never wipe a folder of the user's: `--out .` or `--out ~/thesis` is refused when the
/// folder holds anything wgsim does not write, and `--out` and `--golden` must be separate.
public enum OutputFolder {
    /// Refuses `path` as the folder for option `option` (`--out`, `--golden`) when it is empty,
    /// the root, not a folder, or (unless `allowOtherFiles`) a folder that holds anything
    /// besides wgsim's own outputs. Even with `allowOtherFiles`, something at one of wgsim's
    /// names that is not what wgsim writes there (a folder named decisions.jsonl, a symbolic
    /// link named pcap) is refused: replacing it would destroy it or write through it.
    public static func check(_ path: String, option: String, allowOtherFiles: Bool) throws {
        guard !path.isEmpty else {
            throw ScenarioError(file: option, line: nil, "is empty; it must name a folder")
        }
        let resolved = OutputPath.resolved(path)
        guard resolved != "/" else {
            throw ScenarioError(file: option, line: nil, "'\(path)' is the root folder; name a folder for wgsim's outputs")
        }
        guard let kind = OutputFiles.kind(resolved) else { return }   // a new folder
        guard kind == .typeDirectory else {
            throw ScenarioError(file: path, line: nil, "\(option): is a file, not a folder")
        }
        let foreign = OutputFiles.foreignEntries(resolved)
        if let blocking = foreign.first(where: { OutputFiles.isOutput($0) || $0 == OutputFiles.captureFolder }) {
            throw ScenarioError(file: path + "/" + blocking, line: nil,
                                "\(option): is not the kind of file wgsim writes there (a folder, a link or a special file); wgsim will not replace it")
        }
        guard !foreign.isEmpty, !allowOtherFiles else { return }
        let shown = foreign.prefix(3).joined(separator: ", ") + (foreign.count > 3 ? ", … (\(foreign.count) in all)" : "")
        throw ScenarioError(file: path, line: nil,
                            "\(option): the folder holds files wgsim does not write (\(shown)); wgsim replaces its outputs "
                            + "(\(OutputFiles.fixedNames.joined(separator: ", ")), \(OutputFiles.captureFolder)/*.pcap) only in a new "
                            + "folder or one that holds nothing else. Choose another folder, or give --force to replace only "
                            + "wgsim's own files there")
    }

    /// Refuses an output folder and a golden folder that are the same or one inside the other
    /// (compared as absolute paths with symbolic links resolved): replacing one would change
    /// the other, and a comparison would compare a run with itself.
    public static func checkSeparate(out: String, golden: String) throws {
        let a = OutputPath.resolved(out), b = OutputPath.resolved(golden)
        let relation: String
        if a == b {
            relation = "are the same folder"
        } else if OutputPath.isInside(a, b) {
            relation = "overlap: the output folder is inside the golden folder"
        } else if OutputPath.isInside(b, a) {
            relation = "overlap: the golden folder is inside the output folder"
        } else {
            return
        }
        throw ScenarioError(file: "--out \(out) and --golden \(golden)", line: nil, "\(relation) (\(a)); give two separate folders")
    }
}

/// Paths compared as the file system sees them.
enum OutputPath {
    /// `path` made absolute, with `.`, `..` and symbolic links resolved as far as the path
    /// exists; the part that does not exist yet is appended with `.` and `..` applied.
    static func resolved(_ path: String) -> String {
        let absolute = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        var existing = absolute.split(separator: "/").map(String.init)
        var missing: [String] = []
        while true {
            if let real = realpath("/" + existing.joined(separator: "/"), nil) {
                defer { free(real) }
                var parts = String(cString: real).split(separator: "/").map(String.init)
                for part in missing where part != "." {
                    if part == ".." { _ = parts.popLast() } else { parts.append(part) }
                }
                return "/" + parts.joined(separator: "/")
            }
            guard let last = existing.popLast() else { return "/" + missing.joined(separator: "/") }
            missing.insert(last, at: 0)
        }
    }

    /// Whether `inner` is strictly inside `outer` (both resolved).
    static func isInside(_ inner: String, _ outer: String) -> Bool {
        inner != outer && inner.hasPrefix(outer == "/" ? "/" : outer + "/")
    }

    /// The folder holding `path` (resolved, not the root).
    static func parent(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/"), slash != path.startIndex else { return "/" }
        return String(path[..<slash])
    }

    /// The last component of `path`.
    static func name(_ path: String) -> String {
        path.lastIndex(of: "/").map { String(path[path.index(after: $0)...]) } ?? path
    }
}
