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

    /// `wgsim ARGS` in one process (`processes` nil) or under `mpirun -np K`, in `directory`.
    static func run(_ arguments: [String], processes: Int? = nil, in directory: URL) throws -> Result {
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
    static func temporaryFolder(_ test: XCTestCase) throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("wgsim-split-\(getpid())-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        test.addTeardownBlock { try? FileManager.default.removeItem(at: folder) }
        return folder
    }

    /// The scenario text with `partition: pR` added to each node of the `nodes:` mapping, R
    /// going round the `processes` (node i in p(i mod processes)): the most nodes a split run
    /// can place apart. Handles nodes written as block mappings and as flow mappings.
    static func spreadingNodes(_ text: String, over processes: Int) -> String {
        var out: [String] = []
        var inNodes = false
        var node = 0
        for line in text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            if !line.hasPrefix(" ") && !line.isEmpty && !line.hasPrefix("#") { inNodes = line.hasPrefix("nodes:") }
            let isNodeKey = inNodes && line.hasPrefix("  ") && !line.hasPrefix("   ") && !line.hasPrefix("  #")
                && line.contains(":")
            guard isNodeKey else {
                out.append(line)
                continue
            }
            let label = "p\(node % processes)"
            node += 1
            if let brace = line.firstIndex(of: "{") {
                out.append(String(line[...brace]) + "partition: \(label), " + String(line[line.index(after: brace)...]))
            } else {
                out.append(line)
                out.append("    partition: \(label)")
            }
        }
        return out.joined(separator: "\n")
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
