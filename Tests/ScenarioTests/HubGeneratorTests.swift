import Pcap
import Sim
import XCTest
@testable import Scenario

/// docs/benchmarks.md, "Full pipeline": the generated hub and its IMIX trace.
final class HubGeneratorTests: XCTestCase {
    func testTraceIsIMIXSizedEchoRequestsToPeersAndDeterministic() {
        let packets = HubGenerator.tracePackets(peers: 300, packets: 1200)
        XCTAssertEqual(packets.count, 1200)
        XCTAssertEqual(packets.map(\.bytes), HubGenerator.tracePackets(peers: 300, packets: 1200).map(\.bytes), "same seed, same trace")
        var sizes: [Int: Int] = [:]
        for p in packets { sizes[p.bytes.count, default: 0] += 1 }
        // 7 : 4 : 1 in expectation (700 : 400 : 100). The generator is seeded, so the draw is
        // exact: these counts, and the first destinations below, were computed outside Swift
        // from the definition (SeededRandom's BLAKE2s + xoshiro256**, peer = next % 300, size =
        // IMIX[next % 12]) with Python's hashlib.
        XCTAssertEqual(sizes, [64: 705, 576: 386, 1420: 109])
        XCTAssertEqual(packets.prefix(5).map { (Int($0.bytes[18]) << 8 | Int($0.bytes[19])) - 2 }, [165, 189, 161, 238, 12],
                       "destination 10.0.0.2 + peer index")
        XCTAssertTrue(packets.allSatisfy { $0.bytes[9] == 1 && $0.bytes[20] == 8 }, "ICMP echo requests")
        XCTAssertEqual(packets[1].timestamp - packets[0].timestamp, 1_000, "1 µs apart")
    }

    func testGeneratedHubLoadsWithOverlappingLANsAndTheLastClaimWins() throws {
        let text = HubGenerator.yaml(peers: 300, trace: nil, packets: 0)
        let scenario = try ScenarioLoader.load(text: text, file: "hub.yaml", directory: ".")
        XCTAssertEqual(scenario.nodes.count, 301)
        let hub = try XCTUnwrap(scenario.node(named: "hub")?.wireguard)
        XCTAssertEqual(hub.peers.count, 300)
        XCTAssertEqual(hub.peers[44].allowedIPs.map(\.description), ["10.0.0.46/32", "192.168.44.0/24"])
        XCTAssertEqual(hub.peers[259].allowedIPs.last?.description, "192.168.3.0/24", "x repeats every 256 peers: p3 and p259 share a LAN")
        let run = try ScenarioRun(scenario)
        run.run(until: 0)
        XCTAssertEqual(run.lookup(node: "hub", address: try .init(parsing: "192.168.44.9")).peer, "p44",
                       "with 300 peers only p44 claims 192.168.44.0/24")
        XCTAssertEqual(run.lookup(node: "hub", address: try .init(parsing: "192.168.3.9")).peer, "p259", "p259 took it from p3")
    }
}

/// The generator streams: the pieces are the text and packets of the whole-file forms, and the
/// writers beneath it report failures in words and never leave a half file.
final class HubGeneratorStreamingTests: XCTestCase {
    func testStreamedPiecesAreTheWholeTextAndTheWholeTrace() {
        var pieces: [String] = []
        HubGenerator.writeYAML(peers: 300, trace: "t.pcap", packets: 10) { pieces.append($0) }
        XCTAssertEqual(pieces.joined(), HubGenerator.yaml(peers: 300, trace: "t.pcap", packets: 10))
        XCTAssertEqual(pieces.count, 1 + 2 * 300 + 2, "a head, a line per peer on each side, events, expectations")
        var streamed: [CapturedPacket] = []
        HubGenerator.forEachTracePacket(peers: 50, packets: 300) { streamed.append($0) }
        XCTAssertEqual(streamed, HubGenerator.tracePackets(peers: 50, packets: 300))
    }

    func testAFullDiskIsReportedInWordsWithTheUsersFileName() throws {
        let file = try BufferedTextFile(path: "/dev/full", reportedPath: "hub.yaml")
        XCTAssertThrowsError(try {
            for _ in 0..<20 { try file.write(String(repeating: "peer line\n", count: 1_000)) }
            try file.close()
        }()) { error in
            XCTAssertEqual("\(error)", "hub.yaml: no space left on device")
        }
    }

    func testADiscardedReplacementLeavesTheTargetAsItWasAndACommittedOneKeepsItsMode() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("wgsim-replace-\(getpid())")
        try? FileManager.default.removeItem(at: folder)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let target = folder.appendingPathComponent("out.yaml").path
        try "before\n".write(toFile: target, atomically: false, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: target)
        do {
            let replacement = try FileReplacement(target: target)
            let text = try BufferedTextFile(path: replacement.temporaryPath, reportedPath: target)
            try text.write("half")
            try text.close()
            XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path).count, 2, "target and temporary file")
            replacement.discard()
        }
        XCTAssertEqual(try String(contentsOfFile: target, encoding: .utf8), "before\n")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path), ["out.yaml"])
        let replacement = try FileReplacement(target: target)
        let text = try BufferedTextFile(path: replacement.temporaryPath, reportedPath: target)
        try text.write("after\n")
        try text.close()
        try replacement.commit()
        XCTAssertEqual(try String(contentsOfFile: target, encoding: .utf8), "after\n")
        XCTAssertEqual(try FileManager.default.attributesOfItem(atPath: target)[.posixPermissions] as? Int, 0o600,
                       "the replacement keeps the old file's permissions")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path), ["out.yaml"])
    }
}
