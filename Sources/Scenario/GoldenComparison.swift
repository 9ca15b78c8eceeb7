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

    /// Every difference between `output` and `golden` (both folders), in file-name order. Only
    /// wgsim's own output files (`OutputFiles`) are compared; anything else in either folder is
    /// not a run's output and is ignored.
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
                account = PcapDifference.describe(output: outPath, golden: goldPath, keyLog: output + "/" + OutputFiles.keyLog,
                                                  goldenKeyLog: golden + "/" + OutputFiles.keyLog)
            } else {
                account = textDifference(Array(a), Array(b))
            }
            differences.append(Difference(file: name, account: account))
        }
        return differences
    }

    /// Replaces wgsim's files in `golden` with those in `output` (write aside, then rename: the
    /// files are copied into a staging folder beside `golden`, then each is renamed into place)
    /// and removes wgsim files there that `output` no longer has. Anything else in the golden
    /// folder (a README, notes) is left alone. Returns what changed.
    public static func update(output: String, golden: String) throws -> OutputChanges {
        let staging = try OutputStaging(target: golden)
        defer { staging.discard() }
        for name in OutputFiles.list(output) {
            let to = staging.path + "/" + name
            do {
                try FileManager.default.createDirectory(atPath: TextFile.directory(of: to), withIntermediateDirectories: true)
                try FileManager.default.copyItem(atPath: output + "/" + name, toPath: to)
            } catch {
                throw FileProblem.error(golden + "/" + name, "cannot be written", error)
            }
        }
        return try staging.commit(reportingChanges: true)
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
