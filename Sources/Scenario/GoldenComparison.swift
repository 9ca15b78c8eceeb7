import Foundation

/// Compares a run's output folder with a golden folder, file by file, and says precisely where
/// they first differ: the line for text files, the packet and its fields for pcaps.
public enum GoldenComparison {
    /// One difference, ready to print.
    public struct Difference: CustomStringConvertible {
        public let file: String
        public let account: String
        public var description: String { "\(file): \(account)" }
    }

    /// Every difference between `output` and `golden` (both folders), in file-name order.
    public static func compare(output: String, golden: String) -> [Difference] {
        let produced = Set(OutputFiles.list(output)), expected = Set(OutputFiles.list(golden))
        var differences: [Difference] = []
        for name in produced.union(expected).sorted() {
            let outPath = output + "/" + name, goldPath = golden + "/" + name
            guard expected.contains(name) else {
                differences.append(Difference(file: name, account: "not in the golden folder \(golden) (run with --update-golden to add it)"))
                continue
            }
            guard produced.contains(name) else {
                differences.append(Difference(file: name, account: "in the golden folder but not produced by this run"))
                continue
            }
            let a = FileManager.default.contents(atPath: outPath) ?? Data()
            let b = FileManager.default.contents(atPath: goldPath) ?? Data()
            if a == b { continue }
            let account: String
            if name.hasSuffix(".pcap") {
                account = PcapDifference.describe(output: outPath, golden: goldPath, keyLog: output + "/wireguard.keys",
                                                  goldenKeyLog: golden + "/wireguard.keys")
            } else {
                account = textDifference(Array(a), Array(b))
            }
            differences.append(Difference(file: name, account: account))
        }
        return differences
    }

    /// Copies every output file over the golden folder (and removes golden files no longer produced).
    public static func update(output: String, golden: String) throws {
        let fm = FileManager.default
        for stale in Set(OutputFiles.list(golden)).subtracting(OutputFiles.list(output)) {
            try fm.removeItem(atPath: golden + "/" + stale)
        }
        for name in OutputFiles.list(output) {
            let target = golden + "/" + name
            try fm.createDirectory(atPath: TextFile.directory(of: target), withIntermediateDirectories: true)
            if fm.fileExists(atPath: target) { try fm.removeItem(atPath: target) }
            try fm.copyItem(atPath: output + "/" + name, toPath: target)
        }
    }

    /// The first differing line of two text files, both versions shown.
    static func textDifference(_ output: [UInt8], _ golden: [UInt8]) -> String {
        let outLines = String(decoding: output, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        let goldLines = String(decoding: golden, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        for i in 0..<max(outLines.count, goldLines.count) {
            let o = i < outLines.count ? String(outLines[i]) : nil
            let g = i < goldLines.count ? String(goldLines[i]) : nil
            if o != g {
                return "line \(i + 1) differs (output has \(outLines.count) lines, golden \(goldLines.count))\n"
                    + "    golden: \(g ?? "<end of file>")\n    output: \(o ?? "<end of file>")"
            }
        }
        return "bytes differ (\(output.count) vs \(golden.count) bytes) though every line is equal"
    }
}

/// The files of an output folder, relative paths sorted, so comparisons do not depend on the
/// order a file system lists them in.
enum OutputFiles {
    static func list(_ folder: String) -> [String] {
        guard let walker = FileManager.default.enumerator(atPath: folder) else { return [] }
        var names: [String] = []
        while let name = walker.nextObject() as? String {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: folder + "/" + name, isDirectory: &isDirectory), !isDirectory.boolValue {
                names.append(name)
            }
        }
        return names.sorted()
    }
}
