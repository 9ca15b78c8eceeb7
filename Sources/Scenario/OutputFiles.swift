import Foundation

/// The files `wgsim run` writes into an output folder: the one list that writing, comparing
/// with golden files, replacing earlier outputs and refusing folders that hold anything else all
/// go by. A new kind of output is added here and nowhere else.
public enum OutputFiles {
    /// Every decision, one JSON object a line.
    public static let decisionsJSONL = "decisions.jsonl"
    /// Every decision, one readable line each.
    public static let decisionsText = "decisions.txt"
    /// The Wireshark key log.
    public static let keyLog = "wireguard.keys"
    /// The report page: the run drawn (topology, tables, ladder) with a step-by-step player.
    public static let report = "report.html"
    /// The folder of per-interface captures, `pcap/NODE-IFACE.pcap`.
    public static let captureFolder = "pcap"
    static let captureSuffix = ".pcap"

    /// The outputs at fixed names (relative to the output folder).
    static let fixedNames = [decisionsJSONL, decisionsText, keyLog, report]

    /// Whether `relativePath` (e.g. `pcap/a-eth0.pcap`) names a file wgsim writes.
    static func isOutput(_ relativePath: String) -> Bool {
        if fixedNames.contains(relativePath) { return true }
        return isCaptureName(relativePath.hasPrefix(captureFolder + "/") ? String(relativePath.dropFirst(captureFolder.count + 1)) : "")
    }

    /// Whether a name inside pcap/ is a capture file (`NODE-IFACE.pcap`, no further folder).
    private static func isCaptureName(_ name: String) -> Bool {
        name.count > captureSuffix.count && name.hasSuffix(captureSuffix) && !name.contains("/")
    }

    /// The wgsim output files present in `folder` (regular files only), relative paths sorted,
    /// so comparisons do not depend on the order a file system lists them in. Anything else in
    /// the folder is not listed: it is not wgsim's to compare, replace or remove.
    static func list(_ folder: String) -> [String] {
        var names = fixedNames.filter { kind(folder + "/" + $0) == .typeRegular }
        if kind(folder + "/" + captureFolder) == .typeDirectory {
            let captures = (try? FileManager.default.contentsOfDirectory(atPath: folder + "/" + captureFolder)) ?? []
            for name in captures where isCaptureName(name) && kind(folder + "/" + captureFolder + "/" + name) == .typeRegular {
                names.append(captureFolder + "/" + name)
            }
        }
        return names.sorted()
    }

    /// What in `folder` wgsim did not write (relative paths, sorted): anything other than its own
    /// regular files, the pcap/ folder and the captures in it. Symbolic links count as foreign,
    /// whatever they point to, so that replacing outputs never writes through one.
    static func foreignEntries(_ folder: String) -> [String] {
        let fm = FileManager.default
        var foreign: [String] = []
        for name in (try? fm.contentsOfDirectory(atPath: folder)) ?? [] {
            let path = folder + "/" + name
            if fixedNames.contains(name) && kind(path) == .typeRegular { continue }
            if name == captureFolder && kind(path) == .typeDirectory {
                for inner in (try? fm.contentsOfDirectory(atPath: path)) ?? []
                where !(isCaptureName(inner) && kind(path + "/" + inner) == .typeRegular) {
                    foreign.append(name + "/" + inner)
                }
                continue
            }
            foreign.append(name)
        }
        return foreign.sorted()
    }

    /// The type of what is at `path`, not following a symbolic link (nil: nothing there).
    static func kind(_ path: String) -> FileAttributeType? {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path) else { return nil }
        return attributes[.type] as? FileAttributeType
    }
}
