import Foundation
import Sim
import XCTest
@testable import Scenario

/// Times, durations and counts at the edge of what the simulator and a pcap can hold: each is
/// refused as it is read, at its own line, with the limit in words — never an overflow trap
/// during the run or an error about an output file after it.
final class HostileValueLoadTests: XCTestCase {
    /// The first line after `twoNodes` (18 lines).
    private static let firstLine = 19
    /// "the last simulated time is …" for the default start-time 2026-01-01T00:00:00Z.
    private static let defaultLimit = "the last simulated time is 2527741695.999999999s"

    private func error(_ suffix: String, line: UInt = #line) -> ScenarioError? {
        do {
            _ = try ScenarioLoader.load(text: ScenarioLoaderTests.twoNodes + "\n" + suffix, file: "t.yaml", directory: "/nonexistent")
            XCTFail("expected an error for:\n\(suffix)", line: line)
        } catch let e as ScenarioError {
            return e
        } catch {
            XCTFail("not a ScenarioError: \(error)", line: line)
        }
        return nil
    }

    private func loads(_ suffix: String, line: UInt = #line) throws -> Scenario {
        try ScenarioLoader.load(text: ScenarioLoaderTests.twoNodes + "\n" + suffix, file: "t.yaml", directory: "/nonexistent")
    }

    func testTheLimitIsWherePcapSecondsEndMinusTheStart() {
        XCTAssertEqual(Simulation.latestUnixNanoseconds, 4_294_967_295_999_999_999)
        XCTAssertEqual(TimeLimit(startUnixNanoseconds: Scenario.defaultStartUnixNanoseconds).latest,
                       4_294_967_295_999_999_999 - 1_767_225_600_000_000_000)
    }

    func testEveryTimeKeyIsCheckedAtItsLine() {
        let l = Self.firstLine
        let cases: [(String, Int, String)] = [
            ("duration: 2562047h\n", l, "duration: 2562047h is too late"),
            ("events:\n  - at: 2562047h\n    node: a\n    ping: 192.168.0.2\n", l + 1, "at: 2562047h is too late"),
            ("events:\n  - at: 703000h\n    node: a\n    ping: 192.168.0.2\n", l + 1, "at: 703000h is too late"),
            ("events:\n  - at: 1s\n    node: a\n    ping: 192.168.0.2\n    interval: 2000000h\n", l + 4, "interval: 2000000h is too late"),
            ("events:\n  - at: 1s\n    node: a\n    ping: 192.168.0.2\n    count: 1000000\n    interval: 10000000s\n", l + 5,
             "the last of 1000000 echo requests (at 1s + 999999 × 10000000s) would be beyond any time 64-bit nanoseconds count"),
            ("events:\n  - at: 1s\n    node: a\n    ping: 192.168.0.2\n    count: 1000\n    interval: 3000000s\n", l + 5,
             "the last of 1000 echo requests (at 1s + 999 × 3000000s) would be at 2997000001s"),
            ("events:\n  - at: 1s\n    node: a\n    send: {dst: 192.168.0.2, count: 1000000, interval: 10000000s}\n", l + 3,
             "the last of 1000000 packets"),
            ("events:\n  - at: 1s\n    node: a\n    send: {dst: 192.168.0.2, count: 2000000}\n", l + 3, "count must be from 1 to 1000000"),
            ("links:\n  - between: [a, b]\n    jitter: 2000000h\n", l + 2, "jitter: 2000000h is too late"),
            ("links:\n  - between: [a, b]\n    latency: 2562047h\n", l + 2, "latency: 2562047h is too late"),
            ("events:\n  - at: 1s\n    link: [a, b]\n    set: {jitter: 2000000h}\n", l + 3, "jitter: 2000000h is too late"),
            ("expect:\n  - at: 2562047h\n    node: a\n    lookup: 192.168.0.2\n    peer: b\n", l + 1, "at: 2562047h is too late"),
            ("expect:\n  - node: a\n    after: 2562047h\n    action: delivered\n", l + 2, "after: 2562047h is too late"),
            ("expect:\n  - node: a\n    before: 2562047h\n    action: delivered\n", l + 2, "before: 2562047h is too late"),
        ]
        for (suffix, line, fragment) in cases {
            guard let e = error(suffix) else { continue }
            XCTAssertEqual(e.file, "t.yaml")
            XCTAssertEqual(e.line, line, "\(suffix) → \(e)")
            XCTAssertTrue(e.message.contains(fragment), "\(suffix) → \(e)")
            if !fragment.hasPrefix("count") {
                XCTAssertTrue(e.message.contains(Self.defaultLimit) && e.message.contains("before 2106-02-07T06:28:16Z"),
                              "the message says the limit: \(e)")
            }
        }
    }

    func testTheLimitMovesWithTheStartTime() throws {
        // 28 minutes 16 seconds before pcap's seconds run out.
        let start = "start-time: 2106-02-07T06:00:00Z\n"
        XCTAssertNoThrow(try loads(start + "events:\n  - at: 1695s\n    node: a\n    ping: 192.168.0.2\n"))
        let e = try XCTUnwrap(error(start + "events:\n  - at: 1696s\n    node: a\n    ping: 192.168.0.2\n"))
        XCTAssertEqual(e.line, Self.firstLine + 2)
        XCTAssertTrue(e.message.contains("the last simulated time is 1695.999999999s"), e.description)
        XCTAssertTrue(e.message.contains("start-time (2106-02-07T06:00:00Z)"), e.description)
    }

    func testStartTimesOutsidePcapsRangeAreRefused() {
        for (text, fragment) in [("2262-04-11T23:47:16Z", "from 1970-01-01T00:00:00Z to 2106-02-07T06:28:15.999999999Z"),
                                 ("2300-01-01T00:00:00Z", "outside the years 1677 to 2262"),
                                 ("2106-02-07T06:28:16Z", "from 1970-01-01T00:00:00Z"),
                                 ("1969-12-31T23:59:59Z", "from 1970-01-01T00:00:00Z")] {
            guard let e = error("start-time: \(text)\n") else { continue }
            XCTAssertEqual(e.line, Self.firstLine, e.description)
            XCTAssertTrue(e.message.contains(fragment), e.description)
        }
    }

    func testTheLastMomentPcapHoldsIsAccepted() throws {
        let s = try loads("start-time: 2106-02-07T06:28:15.999999999Z\nevents:\n  - at: 0s\n    node: a\n    ping: 192.168.0.2\n")
        let run = try ScenarioRun(s)
        run.run()
        XCTAssertEqual(run.simulation.now, 0, "nothing after the last representable nanosecond runs")
        XCTAssertEqual(run.simulation.captures().first { $0.name == "a-wg0" }?.packets.count, 1)
    }

    func testAReplayedTraceMustFitAfterItsEvent() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("wgsim-hostile-\(getpid())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let cases: [(String, Int64, [Int64], String?)] = [
            ("wide.pcapng", -9_000_000_000, [0, 18_000_000_000], "frame 2 is stamped more than 292 years from the first packet (frame 1)"),
            ("far.pcapng", 0, [0, 1, 3_000_000_000], "frame 3, 3000000000s after the first packet, would be at 3000000001s"),
            ("fine.pcapng", 0, [5, 6, 7], nil),
        ]
        for (name, offset, seconds, fragment) in cases {
            try TestTraces.pcapng(offsetSeconds: offset, seconds: seconds).write(to: folder.appendingPathComponent(name))
            let text = ScenarioLoaderTests.twoNodes + "\nevents:\n  - at: 1s\n    node: a\n    replay: \(name)\n"
            do {
                _ = try ScenarioLoader.load(text: text, file: "t.yaml", directory: folder.path)
                XCTAssertNil(fragment, "\(name) loaded")
            } catch let e as ScenarioError {
                XCTAssertEqual(e.line, Self.firstLine + 3, e.description)
                XCTAssertTrue(e.message.contains("replay '\(name)'"), e.description)
                XCTAssertTrue(fragment.map { e.message.contains($0) } ?? false, e.description)
            }
        }
    }
}

/// Small pcapng files (one interface, LINKTYPE_RAW, microsecond stamps) with an `if_tsoffset`
/// that can put their packets anywhere in 64-bit seconds.
enum TestTraces {
    static func pcapng(offsetSeconds: Int64, seconds: [Int64]) -> Data {
        var out = Data()
        func le<T: FixedWidthInteger>(_ value: T, into data: inout Data) {
            withUnsafeBytes(of: value.littleEndian) { data.append(contentsOf: $0) }
        }
        func block(_ type: UInt32, _ body: Data) {
            var body = body
            while body.count % 4 != 0 { body.append(0) }
            le(type, into: &out)
            le(UInt32(12 + body.count), into: &out)
            out.append(body)
            le(UInt32(12 + body.count), into: &out)
        }
        var header = Data()
        le(UInt32(0x1A2B_3C4D), into: &header); le(UInt16(1), into: &header); le(UInt16(0), into: &header)
        le(Int64(-1), into: &header)
        block(0x0A0D_0D0A, header)
        var interface = Data()
        le(UInt16(101), into: &interface); le(UInt16(0), into: &interface); le(UInt32(65535), into: &interface)
        le(UInt16(14), into: &interface); le(UInt16(8), into: &interface); le(offsetSeconds, into: &interface)   // if_tsoffset
        le(UInt32(0), into: &interface)                                                                          // opt_endofopt
        block(1, interface)
        // An IPv4/UDP packet 192.168.0.1 → 192.168.0.2 with 8 zero bytes (checksums left 0 but the header's).
        var packet: [UInt8] = [0x45, 0, 0, 36, 0, 0, 0, 0, 64, 17, 0, 0, 192, 168, 0, 1, 192, 168, 0, 2,
                               0x9c, 0x40, 0, 9, 0, 16, 0, 0] + [UInt8](repeating: 0, count: 8)
        var sum = stride(from: 0, to: 20, by: 2).reduce(UInt32(0)) { $0 + UInt32(packet[$1]) << 8 + UInt32(packet[$1 + 1]) }
        while sum > 0xffff { sum = (sum & 0xffff) + (sum >> 16) }
        packet[10] = UInt8(~sum >> 8 & 0xff); packet[11] = UInt8(~sum & 0xff)
        for s in seconds {
            let micro = UInt64(s) * 1_000_000
            var body = Data()
            le(UInt32(0), into: &body); le(UInt32(micro >> 32), into: &body); le(UInt32(micro & 0xffff_ffff), into: &body)
            le(UInt32(packet.count), into: &body); le(UInt32(packet.count), into: &body)
            body.append(contentsOf: packet)
            block(6, body)
        }
        return out
    }
}
