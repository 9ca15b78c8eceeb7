import Foundation
import Report
import Scenario
import XCTest

/// The report's steps line up with the run's other outputs: each step's decisions.txt line is
/// that decision's line in the golden decisions.txt, and each step's frame number is the frame
/// tshark numbers for the same packet in the golden pcap (checked field by field against the
/// decision's JSON line: message type, indices, counter; inner addresses for wg0 frames).
final class ReportRecordingTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let tsharkPaths = ["/usr/bin/tshark", "/usr/local/bin/tshark", "/opt/homebrew/bin/tshark"]

    func recorded(_ name: String, limits: RecordingLimits = .standard) throws -> RecordedScenarioRun {
        let scenario = try ScenarioLoader.load(path: Self.root.appendingPathComponent("Scenarios/\(name).yaml").path)
        return try ReportRun.record(scenario, limits: limits)
    }

    func golden(_ name: String, _ file: String) throws -> String {
        try String(contentsOf: Self.root.appendingPathComponent("captures/golden/\(name)/\(file)"), encoding: .utf8)
    }

    func testEveryStepNamesItsLineInDecisionsTxt() throws {
        for name in ["seed-overlap", "lossy-handshake", "cookie-under-load", "roaming", "trace-replay"] {
            let recording = try recorded(name).recording
            let lines = try golden(name, "decisions.txt").split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            XCTAssertFalse(recording.steps.isEmpty, name)
            for step in recording.steps {
                XCTAssertLessThanOrEqual(step.line, lines.count, "\(name) step \(step.decision)")
                guard step.line <= lines.count else { continue }
                XCTAssertEqual(lines[step.line - 1], String(step.text.split(separator: "\n", omittingEmptySubsequences: false)[0]),
                               "\(name): step for decision \(step.decision) names line \(step.line)")
            }
        }
    }

    /// tshark's fields of every frame of one capture, by frame number.
    func tsharkFrames(_ path: String) throws -> [Int: [String]] {
        let tshark = try XCTUnwrap(Self.tsharkPaths.first { FileManager.default.isExecutableFile(atPath: $0) },
                                   "tshark is not installed (scripts/setup.sh installs it)")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tshark)
        process.arguments = ["-r", path, "-T", "fields", "-E", "separator=|",
                             "-e", "frame.number", "-e", "wg.type", "-e", "wg.receiver", "-e", "wg.sender", "-e", "wg.counter",
                             "-e", "ip.src", "-e", "ip.dst", "-e", "ipv6.src", "-e", "ipv6.dst"]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, "tshark -r \(path)")
        var frames: [Int: [String]] = [:]
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n") {
            let fields = line.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
            if let number = Int(fields[0]) { frames[number] = fields }
        }
        return frames
    }

    static func hex(_ value: Any?) -> String? {
        guard let n = value as? Int else { return nil }
        let digits = String(n, radix: 16)
        return "0x" + String(repeating: "0", count: max(0, 8 - digits.count)) + digits
    }

    func testFrameNumbersAreTsharksFrameNumbers() throws {
        var checked = 0
        for name in ["seed-overlap", "lossy-handshake", "cookie-under-load", "roaming"] {
            let recording = try recorded(name).recording
            let json = try golden(name, "decisions.jsonl").split(separator: "\n").map {
                try XCTUnwrap(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
            }
            var cache: [String: [Int: [String]]] = [:]
            for step in recording.steps {
                guard let frame = step.frame, let pcap = step.pcap else { continue }
                let path = Self.root.appendingPathComponent("captures/golden/\(name)/pcap/\(pcap).pcap").path
                if cache[pcap] == nil { cache[pcap] = try tsharkFrames(path) }
                let fields = try XCTUnwrap(cache[pcap]?[frame], "\(name): \(pcap) has no frame \(frame)")
                let record = json[step.decision]
                let place = "\(name) \(step.action) (decisions.txt line \(step.line)) → \(pcap) frame \(frame)"
                if step.action == "dropped-link-loss" {
                    // Lost right after eth0 captured it: the frame of the send just before.
                    let sender = try XCTUnwrap(recording.steps.last { $0.decision < step.decision && $0.node == step.node && $0.sends })
                    XCTAssertEqual(sender.frame, frame, place)
                    XCTAssertEqual(sender.outcome, .lost, place)
                } else if pcap.hasSuffix("-eth0") && step.action != "forwarded" && step.action != "routed-elsewhere" {
                    let type = fields[1]
                    let expectedType: String
                    switch step.action {
                    case "handshake-initiation-sent", "handshake-initiation-received": expectedType = "1"
                    case "handshake-response-sent", "handshake-response-received": expectedType = "2"
                    case "cookie-reply-sent", "cookie-reply-received": expectedType = "3"
                    case "encrypted", "decrypted", "keepalive-sent", "keepalive-received", "dropped-src-not-allowed",
                         "dropped-replay": expectedType = "4"
                    default: expectedType = type
                    }
                    XCTAssertEqual(type, expectedType, place)
                    if let counter = record["counter"] as? Int { XCTAssertEqual(fields[4], "\(counter)", place) }
                    if let index = Self.hex(record["receiver-index"]) {
                        // An initiation (sent or received) names its sender's index; other messages their receiver's.
                        XCTAssertTrue(fields[2] == index || (expectedType == "1" && fields[3] == index),
                                      "\(place): index \(index), tshark receiver \(fields[2]) sender \(fields[3])")
                    }
                } else if pcap.hasSuffix("-wg0") {
                    let source = fields[5].isEmpty ? fields[7] : fields[5]
                    let destination = fields[6].isEmpty ? fields[8] : fields[6]
                    XCTAssertEqual(source, record["src"] as? String, place)
                    XCTAssertEqual(destination, record["dst"] as? String, place)
                }
                checked += 1
            }
        }
        XCTAssertGreaterThan(checked, 100, "frames checked against tshark")
    }

    func testLossAndRetriesAreVisible() throws {
        let recording = try recorded("lossy-handshake").recording
        let initiations = recording.steps.filter { $0.action == "handshake-initiation-sent" }
        XCTAssertGreaterThan(initiations.count, 1, "retries")
        XCTAssertTrue(initiations.contains { $0.outcome == .lost }, "a lost initiation ends in a cross")
        XCTAssertTrue(initiations.contains { $0.arrival != nil && $0.arrival?.step != nil }, "an initiation joined to its receipt")
        let cookies = try recorded("cookie-under-load").recording.steps.filter { $0.outcome == .cookie }
        XCTAssertFalse(cookies.isEmpty)
    }

    func testJoinedArrowsEndAtTheReceiversStep() throws {
        let steps = try recorded("seed-overlap").recording.steps
        for (k, step) in steps.enumerated() where step.action == "encrypted" {
            let arrival = try XCTUnwrap(step.arrival, "step \(k) arrived")
            let receiver = try XCTUnwrap(arrival.step)
            XCTAssertGreaterThan(receiver, k)
            XCTAssertEqual(steps[receiver].node, arrival.node)
            XCTAssertEqual(steps[receiver].frame, arrival.frame)
            XCTAssertTrue(["decrypted", "keepalive-received"].contains(steps[receiver].action), steps[receiver].action)
        }
        // ABCD sends from .19: the server decrypts it, then its source check drops it.
        XCTAssertTrue(steps.contains { $0.action == "encrypted" && $0.node == "ABCD" && $0.outcome == .dropped })
    }

    func testLimitsKeepTheFirstAndSelectedStepsAndSayWhatWasLeftOut() throws {
        let full = try recorded("lossy-handshake").recording
        let small = try recorded("lossy-handshake", limits: RecordingLimits(firstSteps: 10, selectedSteps: 5)).recording
        XCTAssertEqual(small.decisionCount, full.decisionCount)
        XCTAssertEqual(small.steps.count, 15)
        XCTAssertEqual(small.steps.prefix(10).map(\.line), full.steps.prefix(10).map(\.line))
        for step in small.steps.dropFirst(10) { XCTAssertNotEqual(step.outcome, .delivered, step.action) }
        let lines = try golden("lossy-handshake", "decisions.txt").split(separator: "\n", omittingEmptySubsequences: false)
        for step in small.steps { XCTAssertEqual(String(lines[step.line - 1]), step.text, "line \(step.line)") }
        let note = try XCTUnwrap(small.omissionNote)
        XCTAssertTrue(note.hasPrefix("15 of \(full.decisionCount) decisions shown"), note)
        XCTAssertNil(full.omissionNote)
    }
}
