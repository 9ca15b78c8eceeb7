import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// Inputs that once made the real binary grow without limit, take quadratic time or fail with a
/// raw error: each must now finish quickly with a clear message and exit status 2, or produce
/// exactly the old output with bounded memory.
final class BombCLITests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("wgsim-bomb-\(getpid())-\(name.hashValue)")
        try? FileManager.default.removeItem(at: folder)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: folder)
    }

    private func path(_ name: String) -> String { folder.appendingPathComponent(name).path }

    private func folderContents() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
    }

    // MARK: wgsim table

    /// /dev/zero has no newline: `getline` grew to 2 GB and the run ended with status 0.
    func testTableStopsAtALineLongerThan64KiBFromDevZero() throws {
        let result = try CLIRunner.run(["table", "/dev/zero"])
        XCTAssertEqual(result.status, 2)
        XCTAssertEqual(result.stderr, "/dev/zero:1: line longer than 65536 bytes (not a command file?): stopped reading\n")
    }

    /// 65536 bytes is the longest line accepted; one more is refused with its line number.
    /// (From files: a reader that stops early must not leave a writer blocked on a pipe.)
    func testTableLineLengthLimitIsExactly64KiB() throws {
        let longest = "#" + String(repeating: "x", count: 65_535)
        try "show\n\(longest)\nlookup 10.0.0.1\n".write(toFile: path("longest.txt"), atomically: false, encoding: .utf8)
        let accepted = try CLIRunner.run(["table", path("longest.txt")])
        XCTAssertEqual(accepted.status, 0, accepted.stderr)
        XCTAssertEqual(accepted.stdout, "10.0.0.1 -> (none)\n")
        try "show\n\(longest)x\nlookup 10.0.0.1\n".write(toFile: path("too-long.txt"), atomically: false, encoding: .utf8)
        let refused = try CLIRunner.run(["table", path("too-long.txt")])
        XCTAssertEqual(refused.status, 2)
        XCTAssertEqual(refused.stderr, "\(path("too-long.txt")):2: line longer than 65536 bytes (not a command file?): stopped reading\n")
        XCTAssertEqual(refused.stdout, "")
    }

    /// A NUL byte makes its line an error (named by number); the lines after it still run.
    func testTableRefusesALineWithANulByteAndGoesOn() throws {
        let result = try CLIRunner.run(["table"], stdin: "wg set wg0 peer A allowed-ips 10.0.0.0/8\nlookup\u{0} 10.0.0.1\nlookup 10.0.0.1\n")
        XCTAssertEqual(result.status, 2)
        XCTAssertEqual(result.stderr, "<stdin>:2: NUL byte at column 7 (not a text line): not run\n")
        XCTAssertEqual(result.stdout, "10.0.0.1 -> A via 10.0.0.0/8\n")
    }

    func testTableReadErrorsAreInWords() throws {
        let directory = try CLIRunner.run(["table", folder.path])
        XCTAssertEqual(directory.status, 2)
        XCTAssertEqual(directory.stderr, "\(folder.path):1: read error: is a directory\n")
        let missing = try CLIRunner.run(["table", path("missing.txt")])
        XCTAssertEqual(missing.status, 2)
        XCTAssertEqual(missing.stderr, "wgsim table: cannot read \(path("missing.txt")): does not exist\n")
    }

    // MARK: wgsim decode

    func testDecodeReadErrorsAreInWords() throws {
        let missing = try CLIRunner.run(["decode", path("missing.pcap")])
        XCTAssertEqual(missing.status, 2)
        XCTAssertTrue(missing.stderr.hasPrefix("wgsim decode: \(path("missing.pcap")): cannot open: No such file or directory"),
                      missing.stderr)
        let directory = try CLIRunner.run(["decode", folder.path])
        XCTAssertEqual(directory.status, 2)
        XCTAssertTrue(directory.stderr.contains("Is a directory"), directory.stderr)
        XCTAssertFalse(directory.stderr.contains("NSError") || directory.stderr.contains("Domain="), directory.stderr)

        let capture = path("one.pcap")
        let generate = try CLIRunner.run(["generate", "hub", "--peers", "1", "--out", path("one.yaml"), "--packets", "1"])
        XCTAssertEqual(generate.status, 0, generate.stderr)
        try FileManager.default.moveItem(atPath: path("one-trace.pcap"), toPath: capture)
        let keysFolder = try CLIRunner.run(["decode", capture, "--keys", folder.path])
        XCTAssertEqual(keysFolder.status, 2)
        XCTAssertEqual(keysFolder.stderr, "wgsim decode: \(folder.path): cannot read the key-log file: is a directory\n")
        let keysMissing = try CLIRunner.run(["decode", capture, "--keys", path("missing.keys")])
        XCTAssertEqual(keysMissing.status, 2)
        XCTAssertEqual(keysMissing.stderr,
                       "wgsim decode: \(path("missing.keys")): cannot read the key-log file: does not exist\n")
        // /dev/zero as a key log: refused after 64 MiB instead of read until memory runs out.
        let keysZero = try CLIRunner.run(["decode", capture, "--keys", "/dev/zero"])
        XCTAssertEqual(keysZero.status, 2)
        XCTAssertEqual(keysZero.stderr, "wgsim decode: /dev/zero: cannot read the key-log file: larger than 64 MiB, so not a key log\n")
    }

    // MARK: wgsim generate

    /// The streamed writer produces the bytes the whole-file writer did (sizes and 64-bit FNV-1a
    /// hashes of the outputs of `wgsim generate hub --peers 300 --packets 2000` before
    /// streaming), and leaves no temporary file behind.
    func testGenerateWritesTheSameBytesAsBefore() throws {
        let result = try CLIRunner.run(["generate", "hub", "--peers", "300", "--out", path("hub.yaml"), "--packets", "2000"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.stdout, "wrote \(path("hub.yaml")) and hub-trace.pcap (2000 packets)\n")
        XCTAssertEqual(try folderContents(), ["hub-trace.pcap", "hub.yaml"])
        let scenario = try Data(contentsOf: URL(fileURLWithPath: path("hub.yaml")))
        let trace = try Data(contentsOf: URL(fileURLWithPath: path("hub-trace.pcap")))
        XCTAssertEqual(scenario.count, 66_533)
        XCTAssertEqual(fnv1a(scenario), 0xa0f8_a658_8247_1da5)
        XCTAssertEqual(trace.count, 739_616)
        XCTAssertEqual(fnv1a(trace), 0x16e1_e7b3_8784_b274)
    }

    /// Memory does not grow with the trace: 15 000 packets (5 MB of trace) cost the old
    /// all-in-memory writer about 6 MB more peak memory than one packet; streamed, well under 3 MB.
    func testGenerateMemoryDoesNotGrowWithTheTrace() throws {
        let one = try peakMemoryKilobytes(["generate", "hub", "--peers", "1", "--out", path("small.yaml"), "--packets", "1"])
        let many = try peakMemoryKilobytes(["generate", "hub", "--peers", "1", "--out", path("large.yaml"), "--packets", "15000"])
        let traceBytes = try XCTUnwrap(FileManager.default.attributesOfItem(atPath: path("large-trace.pcap"))[.size] as? Int)
        XCTAssertGreaterThan(traceBytes, 5_000_000)
        XCTAssertLessThan(many - one, 3_000, "peak memory \(one) KB with 1 packet, \(many) KB with 15000")
    }

    /// A failure part-way (here the trace's name is taken by a folder) leaves the existing
    /// scenario untouched and no temporary file; the message names the file and the problem.
    func testGenerateFailureKeepsTheOldFileAndLeavesNoTemporaryFile() throws {
        try "old scenario\n".write(toFile: path("hub.yaml"), atomically: false, encoding: .utf8)
        try FileManager.default.createDirectory(atPath: path("hub-trace.pcap"), withIntermediateDirectories: false)
        let result = try CLIRunner.run(["generate", "hub", "--peers", "3", "--out", path("hub.yaml"), "--packets", "10"])
        XCTAssertEqual(result.status, 2)
        XCTAssertEqual(result.stderr, "wgsim generate: cannot write \(path("hub-trace.pcap")): is a directory\n")
        XCTAssertEqual(try String(contentsOfFile: path("hub.yaml"), encoding: .utf8), "old scenario\n")
        XCTAssertEqual(try folderContents(), ["hub-trace.pcap", "hub.yaml"])

        let intoFolder = try CLIRunner.run(["generate", "hub", "--peers", "3", "--out", folder.path, "--packets", "0"])
        XCTAssertEqual(intoFolder.status, 2)
        XCTAssertEqual(intoFolder.stderr, "wgsim generate: cannot write \(folder.path): is a directory\n")
        let device = try CLIRunner.run(["generate", "hub", "--peers", "3", "--out", "/dev/full", "--packets", "0"])
        XCTAssertEqual(device.status, 2)
        XCTAssertTrue(device.stderr.hasPrefix("wgsim generate: cannot write /dev/full: is not a regular file"), device.stderr)
        let noFolder = try CLIRunner.run(["generate", "hub", "--peers", "3", "--out", path("nowhere/hub.yaml"), "--packets", "0"])
        XCTAssertEqual(noFolder.status, 2)
        XCTAssertEqual(noFolder.stderr, "wgsim generate: cannot write \(path("nowhere/hub.yaml")): "
                       + "cannot create a temporary file in its folder: does not exist\n")
    }

    /// Replacing through a symbolic link writes the link's destination and keeps the link.
    func testGenerateThroughASymbolicLinkKeepsTheLink() throws {
        try "old\n".write(toFile: path("real.yaml"), atomically: false, encoding: .utf8)
        try FileManager.default.createSymbolicLink(atPath: path("link.yaml"), withDestinationPath: "real.yaml")
        let result = try CLIRunner.run(["generate", "hub", "--peers", "2", "--out", path("link.yaml"), "--packets", "0"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(try FileManager.default.destinationOfSymbolicLink(atPath: path("link.yaml")), "real.yaml")
        XCTAssertTrue(try String(contentsOfFile: path("real.yaml"), encoding: .utf8).hasPrefix("name: hub-2\n"))
        XCTAssertEqual(try folderContents(), ["link.yaml", "real.yaml"])
    }

    // MARK: helpers

    /// 64-bit FNV-1a: enough to tell any changed byte from the recorded output.
    private func fnv1a(_ data: Data) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in data {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        return hash
    }

    /// Runs `wgsim ARGS` (output discarded) and returns its peak resident memory in KB, read
    /// from `wait4` for that one child.
    private func peakMemoryKilobytes(_ arguments: [String]) throws -> Int {
        #if canImport(Glibc)
        let argv = ([CLIRunner.binary.path] + arguments).map { strdup($0) } + [nil]
        defer { for p in argv { free(p) } }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        var pid = pid_t()
        let spawned = posix_spawn(&pid, CLIRunner.binary.path, &actions, nil, argv, environ)
        guard spawned == 0 else { XCTFail("posix_spawn failed: \(spawned)"); return 0 }
        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, 0, &usage) < 0 && errno == EINTR {}
        XCTAssertEqual(status, 0, "wgsim \(arguments.joined(separator: " ")) failed")
        return usage.ru_maxrss
        #else
        throw XCTSkip("peak memory of one child is read with Linux's wait4")
        #endif
    }
}
