import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Write aside, then rename: outputs are written into a fresh temporary folder beside the
/// target (same parent, so the same file system, `.NAME.wgsim-tmp-PID`) and reach the target
/// only by `commit`, which moves wgsim's own files over the earlier ones one rename at a time
/// (each rename is atomic) and removes earlier wgsim outputs the new set no longer has. Files of
/// the user's in the target are never touched. Until `commit`, the target is as it was; after
/// `discard` (a failure, an interrupt) it still is, and the temporary folder is gone.
public final class OutputStaging {
    /// The target as the user named it (for messages).
    public let target: String
    /// The target resolved to an absolute path, symbolic links followed.
    private let targetPath: String
    /// The temporary folder the outputs are written into.
    public let path: String
    /// Folders above the target this staging created (outermost first), removed again on
    /// `discard` if still empty.
    private var createdParents: [String] = []
    private var settled = false

    /// Creates the temporary folder beside `target` (and the target's missing parent folders).
    public init(target: String) throws {
        self.target = target
        targetPath = OutputPath.resolved(target)
        let parent = OutputPath.parent(targetPath)
        var missing: [String] = []
        var folder = parent
        while OutputFiles.kind(folder) == nil, folder != "/" {
            missing.insert(folder, at: 0)
            folder = OutputPath.parent(folder)
        }
        var created: [String] = []
        for folder in missing {
            guard mkdir(folder, 0o755) == 0 || errno == EEXIST else {
                let code = errno
                Self.removeEmpty(created)
                throw ScenarioError(file: folder, line: nil, "cannot create the folder: \(FileProblem.words(errno: code))")
            }
            created.append(folder)
        }
        var attempt = 0
        var candidate: String
        while true {
            candidate = parent + "/." + OutputPath.name(targetPath) + ".wgsim-tmp-\(getpid())" + (attempt == 0 ? "" : "-\(attempt)")
            if mkdir(candidate, 0o755) == 0 { break }
            let code = errno
            if code == EEXIST, attempt < 1000 {
                attempt += 1   // left by a run that was killed; never reuse (or remove) what is there
                continue
            }
            Self.removeEmpty(created)
            throw ScenarioError(file: parent, line: nil, "cannot create a temporary folder there for the outputs of \(target): \(FileProblem.words(errno: code))")
        }
        path = candidate
        createdParents = created
    }

    deinit { discard() }

    /// Moves the outputs in the temporary folder into the target, replacing wgsim's earlier
    /// outputs there and removing those this run did not produce (a capture of a node no longer
    /// captured); nothing else in the target is touched. With `reportingChanges`, compares each
    /// file with the one it replaces to say what changed (reads both: only for small outputs).
    @discardableResult
    public func commit(reportingChanges: Bool = false) throws -> OutputChanges {
        guard !settled else {
            throw ScenarioError(file: targetPath, line: nil, "the outputs were already put in place or discarded (a second commit)")
        }
        let produced = OutputFiles.list(path)
        guard OutputFiles.kind(targetPath) != nil else {
            // A new folder: one rename puts all of it in place.
            try move(path, to: targetPath)
            settle()
            return OutputChanges(added: produced, changed: [], removed: [], unchanged: [])
        }
        let earlier = OutputFiles.list(targetPath)
        let stale = Set(earlier).subtracting(produced).sorted()
        var changes = OutputChanges(added: [], changed: [], removed: stale, unchanged: [])
        if reportingChanges {
            for name in produced {
                if !earlier.contains(name) {
                    changes.added.append(name)
                } else if FileManager.default.contentsEqual(atPath: path + "/" + name, andPath: targetPath + "/" + name) {
                    changes.unchanged.append(name)
                } else {
                    changes.changed.append(name)
                }
            }
        }
        if produced.contains(where: { $0.hasPrefix(OutputFiles.captureFolder + "/") }),
           OutputFiles.kind(targetPath + "/" + OutputFiles.captureFolder) == nil {
            guard mkdir(targetPath + "/" + OutputFiles.captureFolder, 0o755) == 0 else {
                throw ScenarioError(file: target + "/" + OutputFiles.captureFolder, line: nil,
                                    "cannot create the folder: \(FileProblem.words(errno: errno))")
            }
        }
        for name in produced {
            try move(path + "/" + name, to: targetPath + "/" + name, shownAs: target + "/" + name)
        }
        for name in stale where unlink(targetPath + "/" + name) != 0 && errno != ENOENT {
            throw ScenarioError(file: target + "/" + name, line: nil,
                                "is an earlier output this run no longer produces and cannot be removed: \(FileProblem.words(errno: errno))")
        }
        settle()
        return changes
    }

    /// Removes the temporary folder and any parent folders this staging created (if empty);
    /// the target is left as it was. Safe to call more than once; does nothing after a commit.
    public func discard() {
        guard !settled else { return }
        settled = true
        try? FileManager.default.removeItem(atPath: path)
        if OutputFiles.kind(targetPath) == nil { Self.removeEmpty(createdParents) }
    }

    /// Marks the commit done and removes the temporary folder's empty leftovers.
    private func settle() {
        settled = true
        if OutputFiles.kind(path) != nil { try? FileManager.default.removeItem(atPath: path) }
    }

    /// Renames `from` to `to` (atomic on one file system). Should `to` be on another file system
    /// (the target is a mount point), the file is copied beside `to` first and renamed there.
    private func move(_ from: String, to: String, shownAs: String? = nil) throws {
        let shown = shownAs ?? target
        if rename(from, to) == 0 { return }
        let code = errno
        guard code == EXDEV else {
            throw ScenarioError(file: shown, line: nil, "cannot be put in place: \(FileProblem.words(errno: code))")
        }
        let aside = OutputPath.parent(to) + "/." + OutputPath.name(to) + ".wgsim-tmp-\(getpid())"
        do {
            try FileManager.default.copyItem(atPath: from, toPath: aside)
        } catch {
            try? FileManager.default.removeItem(atPath: aside)
            throw FileProblem.error(shown, "cannot be copied into place", error)
        }
        guard rename(aside, to) == 0 else {
            let code = errno
            try? FileManager.default.removeItem(atPath: aside)
            throw ScenarioError(file: shown, line: nil, "cannot be put in place: \(FileProblem.words(errno: code))")
        }
    }

    /// Removes the given folders, innermost first, as long as they are empty.
    private static func removeEmpty(_ folders: [String]) {
        for folder in folders.reversed() where rmdir(folder) != 0 { return }
    }
}

/// What replacing outputs did to the target folder, file by file (relative paths, sorted).
public struct OutputChanges: Equatable, Sendable {
    public var added: [String]
    public var changed: [String]
    /// Earlier wgsim outputs the new run did not produce, removed.
    public var removed: [String]
    public var unchanged: [String]

    /// One line per changed, added or removed file, or a line saying nothing changed.
    public var lines: [String] {
        let all = changed.map { "changed \($0)" } + added.map { "added   \($0)" } + removed.map { "removed \($0)" }
        return all.isEmpty ? ["no file changed (\(unchanged.count) identical)"] : all
    }
}
