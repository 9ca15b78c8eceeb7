import Foundation
import XCTest

/// Runs the built `wgsim` alone or under `mpirun`, and prepares scenarios for split runs.
enum SplitRunSupport {
    /// The package root (two levels above this file's folder).
    static var packageRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    /// The built products beside the test bundle.
    static var wgsim: String {
        #if os(macOS)
        for bundle in Bundle.allBundles where bundle.bundlePath.hasSuffix(".xctest") {
            return bundle.bundleURL.deletingLastPathComponent().appendingPathComponent("wgsim").path
        }
        return Bundle.main.bundleURL.appendingPathComponent("wgsim").path
        #else
        return URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
            .appendingPathComponent("wgsim").path
        #endif
    }

    static let mpirun = ["/usr/bin/mpirun", "/usr/local/bin/mpirun"].first { FileManager.default.isExecutableFile(atPath: $0) }

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// `wgsim ARGS` in one process (`processes` nil) or under `mpirun -np K`, in `directory`;
    /// `environment` is added to the test's own.
    static func run(_ arguments: [String], processes: Int? = nil, in directory: URL,
                    environment: [String: String] = [:]) throws -> Result {
        let process = Process()
        if let processes {
            let mpirun = try XCTUnwrap(Self.mpirun, "mpirun is not installed (scripts/setup.sh installs openmpi-bin)")
            process.executableURL = URL(fileURLWithPath: mpirun)
            process.arguments = ["--allow-run-as-root", "--oversubscribe", "-np", "\(processes)", wgsim] + arguments
        } else {
            process.executableURL = URL(fileURLWithPath: wgsim)
            process.arguments = arguments
        }
        process.currentDirectoryURL = directory
        // A launcher's variables in the test's own environment would make the one-process run a
        // split one; the runs here choose for themselves.
        process.environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("OMPI_") && !$0.key.hasPrefix("PMI") }
            .merging(environment) { $1 }
        let output = Pipe(), error = Pipe()
        process.standardOutput = output
        process.standardError = error
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // Standard error is read on another thread while standard output is read here, so that
        // neither pipe can fill and block the child.
        final class Collected: @unchecked Sendable { var data = Data() }
        let errors = Collected()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async {
            errors.data = error.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        let outData = output.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                      stderr: String(decoding: errors.data, as: UTF8.self))
    }

    /// A fresh temporary folder, removed when the test ends.
    /// A world of `hubs` meshed hubs made by `wgsim generate hubs` in a fresh folder, and the
    /// one-process run of it (`extra` arguments added) in that folder's `one`: the folder, the
    /// scenario's path, the run's output folder and what the run printed.
    static func generatedHubsRunInOneProcess(_ test: XCTestCase, hubs: Int, peers: Int, packets: Int, extra: [String] = [])
        throws -> (folder: URL, scenario: String, one: URL, single: Result) {
        let folder = try temporaryFolder(test)
        let scenario = folder.appendingPathComponent("hubs.yaml").path
        let generated = try run(["generate", "hubs", "--hubs", "\(hubs)", "--peers", "\(peers)", "--packets", "\(packets)",
                                 "--out", scenario], in: folder)
        XCTAssertEqual(generated.status, 0, generated.stderr)
        let one = folder.appendingPathComponent("one")
        let single = try run(["run", scenario, "--out", one.path] + extra, in: folder)
        XCTAssertEqual(single.status, 0, single.stderr)
        return (folder, scenario, one, single)
    }

    static func temporaryFolder(_ test: XCTestCase) throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("wgsim-split-\(getpid())-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        test.addTeardownBlock { try? FileManager.default.removeItem(at: folder) }
        return folder
    }

    /// The scenario text with `partition: pR` added to each node of the `nodes:` mapping, R
    /// going round the `processes` (node i in p(i mod processes)): the most nodes a split run
    /// can place apart. Handles nodes written as block mappings and as flow mappings.
    ///
    /// With `keepingLines`, every line from `expect:` on keeps its number, so that the
    /// expectations' `FILE:LINE` (which report.html shows) are those of the golden files: a line added for a node written
    /// as a block mapping is paid for by removing a blank or comment line outside any block
    /// scalar before `expect:`; when there are no more such lines, the remaining block-mapped
    /// nodes keep no `partition:` and stay with their WireGuard peers.
    static func spreadingNodes(_ text: String, over processes: Int, keepingLines: Bool = true) -> String {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let expectAt = lines.firstIndex { $0.hasPrefix("expect:") } ?? lines.count
        /// A line that can go: a comment at column 0, or a blank line followed (after other
        /// blanks) by a line at column 0 (so not inside a `|` or `>` block scalar, whose
        /// trailing blank lines are not part of its value).
        func removable(_ i: Int) -> Bool {
            if lines[i].hasPrefix("#") { return true }
            guard lines[i].trimmingCharacters(in: .whitespaces).isEmpty else { return false }
            var j = i + 1
            while j < lines.count, lines[j].trimmingCharacters(in: .whitespaces).isEmpty { j += 1 }
            return j < lines.count && !lines[j].hasPrefix(" ")
        }
        let spare = (0..<expectAt).filter(removable)
        /// Each line out, with the number of the line it comes from (nil: a line added).
        var out: [(from: Int?, text: String)] = []
        var inNodes = false
        var node = 0
        var added = 0
        for (i, line) in lines.enumerated() {
            if !line.hasPrefix(" ") && !line.isEmpty && !line.hasPrefix("#") { inNodes = line.hasPrefix("nodes:") }
            let isNodeKey = inNodes && line.hasPrefix("  ") && !line.hasPrefix("   ") && !line.hasPrefix("  #")
                && line.contains(":")
            guard isNodeKey else {
                out.append((i, line))
                continue
            }
            let label = "p\(node % processes)"
            if let brace = line.firstIndex(of: "{") {
                node += 1
                out.append((i, String(line[...brace]) + "partition: \(label), " + String(line[line.index(after: brace)...])))
            } else if added < spare.count || !keepingLines {
                node += 1
                added += 1
                out.append((i, line))
                out.append((nil, "    partition: \(label)"))
            } else {
                out.append((i, line))
            }
        }
        let removed = Set(spare.prefix(keepingLines ? added : 0))
        return out.filter { $0.from.map { !removed.contains($0) } ?? true }.map(\.text).joined(separator: "\n")
    }

    /// Every file under `folder`, relative paths sorted.
    static func files(_ folder: URL) -> [String] {
        let enumerator = FileManager.default.enumerator(atPath: folder.path)
        var names: [String] = []
        while let name = enumerator?.nextObject() as? String {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: folder.appendingPathComponent(name).path, isDirectory: &isDirectory),
               !isDirectory.boolValue { names.append(name) }
        }
        return names.sorted()
    }
}
