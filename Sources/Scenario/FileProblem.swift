import Foundation
import Pcap
import Sim
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Turns a failure to read, create, write, move or remove a file into words a user can act on
/// ("is a file", "permission denied", "no space left on device"), instead of Foundation's
/// NSCocoaErrorDomain dump. Every file error of every command goes through here: the one
/// errno-to-words table of the project.
public enum FileProblem {
    /// `path: what went wrong`, as a `ScenarioError` (exit 2, printed like every bad input).
    public static func error(_ path: String, _ doing: String, _ error: Error) -> ScenarioError {
        ScenarioError(file: path, line: nil, "\(doing): \(words(for: error))")
    }

    /// The reason in words for an error from FileManager, POSIX or the simulator's writers.
    public static func words(for error: Error) -> String {
        if let e = error as? ScenarioError { return e.message }
        if let e = error as? DecisionLogError { return e.errorNumber.map(words(errno:)) ?? e.reason }
        if let e = error as? PcapError { return e.message }
        if let e = error as? POSIXError { return words(errno: e.code.rawValue) }
        let ns = error as NSError
        if ns.domain == NSPOSIXErrorDomain { return words(errno: Int32(ns.code)) }
        if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return words(errno: Int32(underlying.code))
        }
        if ns.domain == NSCocoaErrorDomain {
            switch CocoaError.Code(rawValue: ns.code) {
            case .fileNoSuchFile, .fileReadNoSuchFile: return words(errno: ENOENT)
            case .fileReadNoPermission, .fileWriteNoPermission: return words(errno: EACCES)
            case .fileWriteOutOfSpace: return words(errno: ENOSPC)
            case .fileWriteFileExists: return words(errno: EEXIST)
            case .fileWriteVolumeReadOnly: return words(errno: EROFS)
            case .fileReadInvalidFileName, .fileWriteInvalidFileName: return "is not a valid file name"
            default: break
            }
        }
        return "failed (\(ns.localizedDescription))"
    }

    /// The reason in words for a POSIX error number.
    public static func words(errno code: Int32) -> String {
        switch code {
        case ENOENT: return "does not exist"
        case EACCES, EPERM: return "permission denied"
        case ENOSPC: return "no space left on device"
        case EDQUOT: return "disk quota exceeded"
        case EISDIR: return "is a directory"
        case ENOTDIR: return "is a file (or a part of the path is a file), not a folder"
        case EEXIST: return "already exists"
        case ENOTEMPTY: return "is a folder that is not empty"
        case EROFS: return "is on a read-only file system"
        case ENAMETOOLONG: return "the name is too long"
        case EXDEV: return "is on another file system"
        case EIO: return "input/output error"
        case EMFILE, ENFILE: return "too many open files"
        default: return String(cString: strerror(code)).lowercased()
        }
    }
}
