import Foundation
import XCTest

/// docs/architecture.md, "Outputs of a run": Wireshark decrypts the underlay captures with wireguard.keys,
/// and what it decrypts is exactly what the wg0 captures hold. Checked with the real tshark;
/// the test fails (does not skip) where tshark is missing, since this is the product's promise.
final class TsharkDecryptionTests: XCTestCase {
    static let tshark = ["/usr/bin/tshark", "/usr/local/bin/tshark", "/opt/homebrew/bin/tshark"]
        .first { FileManager.default.isExecutableFile(atPath: $0) }

    func runTshark(_ arguments: [String]) throws -> String {
        let path = try XCTUnwrap(Self.tshark, "tshark is not installed (scripts/setup.sh installs it)")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, "tshark \(arguments)")
        return String(decoding: data, as: UTF8.self)
    }

    /// The byte blocks of `tshark -x`, each with the heading line before it ("Frame (176 bytes):",
    /// "Decrypted Packet (84 bytes):"), or "" where tshark prints a frame's bytes without one (a
    /// frame with a single data source).
    static func hexBlocks(_ text: String) -> [(heading: String, bytes: [UInt8])] {
        var blocks: [(heading: String, bytes: [UInt8])] = []
        var heading = ""
        var inBlock = false
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            // "0000  45 00 00 54 …   ascii": an offset, then up to 16 hex bytes.
            let parts = line.split(separator: " ", omittingEmptySubsequences: true)
            let isHexLine = parts.first.map { $0.count == 4 && $0.allSatisfy(\.isHexDigit) } ?? false
            if !isHexLine {
                inBlock = false
                heading = line.isEmpty ? "" : String(line)
                continue
            }
            if !inBlock {
                blocks.append((heading, []))
                inBlock = true
            }
            // The hex area is columns 6..<54 (16 × "xx "); the ASCII column after it may hold spaces.
            let hexArea = line.dropFirst(6).prefix(48)
            for part in hexArea.split(separator: " ") {
                guard part.count == 2, let byte = UInt8(part, radix: 16) else { break }
                blocks[blocks.count - 1].bytes.append(byte)
            }
        }
        return blocks
    }

    static func hexBlocks(_ text: String, heading: String) -> [[UInt8]] {
        hexBlocks(text).filter { $0.heading.hasPrefix(heading) }.map(\.bytes)
    }

    func testSeedOverlapUnderlayDecryptsWithTheKeyLogToExactlyTheWg0Packets() throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("wgsim-tshark-\(getpid())")
        try? FileManager.default.removeItem(at: out)
        let run = try CLIRunner.run(["run", "Scenarios/seed-overlap.yaml", "--out", out.path, "--quiet"])
        XCTAssertEqual(run.status, 0, run.stdout + run.stderr)
        let keys = out.appendingPathComponent("wireguard.keys").path
        var total = 0
        for node in ["server", "ABCD", "EFGH"] {
            let eth0 = out.appendingPathComponent("pcap/\(node)-eth0.pcap").path
            let wg0 = out.appendingPathComponent("pcap/\(node)-wg0.pcap").path
            let decrypted = Self.hexBlocks(try runTshark(["-r", eth0, "-o", "wg.keylog_file:\(keys)", "-x"]), heading: "Decrypted Packet")
            let inner = Self.hexBlocks(try runTshark(["-r", wg0, "-x"])).map(\.bytes)
            // Every transport message decrypts: all but keepalives (60-byte IPv4 frames) carry a packet.
            let transportLengths = try runTshark(["-r", eth0, "-Y", "wg.type == 4", "-T", "fields", "-e", "frame.len"])
                .split(separator: "\n").map(String.init)
            XCTAssertEqual(decrypted.count, transportLengths.filter { $0 != "60" }.count, "\(node): every data message decrypts")
            XCTAssertGreaterThan(decrypted.count, 0, node)
            total += decrypted.count

            // What decrypts is exactly what wg0 saw, except the one packet the source check dropped
            // (kernel: dropped after decryption, so it never reaches wg0's capture).
            var remaining = decrypted
            for packet in inner {
                guard let i = remaining.firstIndex(of: packet) else { return XCTFail("\(node): a wg0 packet was not found decrypted on eth0") }
                remaining.remove(at: i)
            }
            if node == "server" {
                XCTAssertEqual(remaining.count, 1, "server: only the spoofed packet is decrypted but not on wg0")
                XCTAssertEqual(remaining.first.map { Array($0[12..<16]) }, [192, 168, 32, 19], "its inner source is 192.168.32.19")
            } else {
                XCTAssertEqual(remaining.count, 0, "\(node): decrypted packets not on wg0")
            }
        }
        XCTAssertGreaterThanOrEqual(total, 10)
        // Without the key log Wireshark decrypts nothing: the captures really are encrypted.
        let none = Self.hexBlocks(try runTshark(["-r", out.appendingPathComponent("pcap/server-eth0.pcap").path, "-x"]), heading: "Decrypted Packet")
        XCTAssertEqual(none.count, 0)
    }

    /// The same promise for every shipped scenario: on every node's underlay capture, tshark with
    /// the run's key log validates every handshake response it sees and decrypts every transport
    /// message that carries a packet (keepalives, UDP length 8 + 32, carry none).
    func testEveryShippedScenarioUnderlayDecryptsWithItsKeyLog() throws {
        let scenarios = try FileManager.default.contentsOfDirectory(atPath: CLIRunner.packageRoot.appendingPathComponent("Scenarios").path)
            .filter { $0.hasSuffix(".yaml") }.sorted()
        XCTAssertGreaterThanOrEqual(scenarios.count, 8)
        for scenario in scenarios {
            let out = FileManager.default.temporaryDirectory.appendingPathComponent("wgsim-tshark-all-\(getpid())-\(scenario)")
            try? FileManager.default.removeItem(at: out)
            defer { try? FileManager.default.removeItem(at: out) }
            let run = try CLIRunner.run(["run", "Scenarios/\(scenario)", "--out", out.path, "--quiet"])
            XCTAssertEqual(run.status, 0, "\(scenario): \(run.stderr)")
            let keys = out.appendingPathComponent("wireguard.keys").path
            let pcaps = try FileManager.default.contentsOfDirectory(atPath: out.appendingPathComponent("pcap").path)
                .filter { $0.hasSuffix("-eth0.pcap") }.sorted()
            var decryptedInScenario = 0
            for pcap in pcaps {
                let path = out.appendingPathComponent("pcap/\(pcap)").path
                // A capture of the 24-byte file header alone saw no traffic: nothing to ask tshark.
                let size = (try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
                if size <= 24 { continue }
                let rows = try runTshark(["-r", path, "-o", "wg.keylog_file:\(keys)", "-Y", "wg",
                                          "-T", "fields", "-E", "separator=,", "-e", "wg.type", "-e", "wg.handshake_ok", "-e", "udp.length"])
                    .split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
                for row in rows where row.first == "2" {
                    XCTAssertEqual(row.count > 1 ? row[1] : "", "1", "\(scenario) \(pcap): a handshake response does not validate")
                }
                let dataMessages = rows.filter { $0.first == "4" && $0.last != "40" }.count
                let decrypted = Self.hexBlocks(try runTshark(["-r", path, "-o", "wg.keylog_file:\(keys)", "-x"]), heading: "Decrypted Packet").count
                XCTAssertEqual(decrypted, dataMessages, "\(scenario) \(pcap): every data message decrypts")
                decryptedInScenario += decrypted
            }
            XCTAssertGreaterThan(decryptedInScenario, 0, "\(scenario): some traffic crosses a tunnel")
        }
    }
}
