import Foundation

/// Reading files named by a scenario, with paths resolved against the scenario's folder.
enum TextFile {
    static func read(_ path: String) -> String? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return String(data: data, encoding: .utf8)
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
