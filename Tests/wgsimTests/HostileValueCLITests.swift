import Foundation
import XCTest

/// The real binary on values at the edge of simulated time, each of which once stopped it with an
/// arithmetic-overflow trap (exit 132) or failed only after the whole run: now every one exits 2
/// before anything runs, naming the scenario file and line and the limit, and writes nothing.
final class HostileValueCLITests: XCTestCase {
    private static func scenario(top: String = "", events: String = "", links: String = "", expect: String = "") -> String {
        """
        name: hostile
        \(top)
        nodes:
          a:
            underlay: 192.0.2.1
            wireguard:
              address: [10.0.0.1/24]
              peers:
                - peer: b
                  allowed-ips: [10.0.0.2/32]
                  endpoint: b
          b:
            underlay: 192.0.2.2
            wireguard:
              address: [10.0.0.2/24]
              peers:
                - peer: a
                  allowed-ips: [10.0.0.1/32]
        \(links)
        \(events)
        \(expect)

        """
    }

    /// A pcapng (LINKTYPE_RAW, if_tsoffset −9e9 s) of two UDP packets stamped −9e9 s and +9e9 s:
    /// their distance does not fit 64-bit nanoseconds.
    private static let wideTrace = """
        0a0d0d0a1c0000004d3c2b1a01000000ffffffffffffffff1c000000010000002400000065000000ffff00000e0008\
        0000e68ee7fdffffff0000000024000000060000004400000000000000000000000000000024000000240000004500\
        002400000000401166c70a0000010a0000029c40000900100000000000000000000044000000060000004400000000\
        000000e7f23f000000f59524000000240000004500002400000000401166c70a0000010a0000029c40000900100000\
        000000000000000044000000
        """

    private func folder(_ name: String = #function) throws -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("wgsim-hostile-\(getpid())-\(name.filter { $0.isLetter || $0.isNumber })")
        try? FileManager.default.removeItem(at: url)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Runs `wgsim run` on `text` and checks: exit 2, `FILE:LINE: ` and `fragment` on standard
    /// error, no trap or backtrace, and no output written.
    private func expectRefused(_ name: String, _ text: String, line: Int, _ fragment: String, in dir: URL,
                               file: StaticString = #filePath, testLine: UInt = #line) throws {
        let path = dir.appendingPathComponent("\(name).yaml")
        try text.write(to: path, atomically: true, encoding: .utf8)
        let out = dir.appendingPathComponent("out-\(name)")
        let result = try CLIRunner.run(["run", path.path, "--out", out.path])
        XCTAssertEqual(result.status, 2, "\(name): \(result.stdout)\n\(result.stderr)", file: file, line: testLine)
        XCTAssertTrue(result.stderr.contains("\(path.path):\(line): "), "\(name) names its line \(line): \(result.stderr)",
                      file: file, line: testLine)
        XCTAssertTrue(result.stderr.contains(fragment), "\(name) should say '\(fragment)': \(result.stderr)", file: file, line: testLine)
        XCTAssertFalse(result.stderr.contains("Fatal error") || result.stderr.contains("Backtrace"), result.stderr,
                       file: file, line: testLine)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.appendingPathComponent("decisions.jsonl").path),
                       "\(name): nothing is run", file: file, line: testLine)
    }

    private static let limit = "the last simulated time is 2527741695.999999999s"

    func testTheNineValuesThatOnceTrappedAreRefusedAtTheirLine() throws {
        let dir = try folder()
        let ping = "events:\n  - at: 1s\n    node: a\n    ping: 10.0.0.2\n"
        // Line numbers: `name` is line 1, `top` line 2, nodes 3–18, `links` 19, `events` 20 (or 19 + links).
        try expectRefused("event-at-int64-max", Self.scenario(events: "events:\n  - at: 2562047h\n    node: a\n    ping: 10.0.0.2"),
                          line: 21, "at: 2562047h is too late: " + Self.limit, in: dir)
        try expectRefused("ping-count-times-interval",
                          Self.scenario(events: ping + "    count: 1000000\n    interval: 10000000s"),
                          line: 25, "the last of 1000000 echo requests", in: dir)
        try expectRefused("send-count-times-interval",
                          Self.scenario(events: "events:\n  - at: 1s\n    node: a\n    send: {dst: 10.0.0.2, count: 1000000, interval: 10000000s}"),
                          line: 23, "the last of 1000000 packets", in: dir)
        try expectRefused("link-jitter", Self.scenario(events: ping, links: "links:\n  - between: [a, b]\n    jitter: 2000000h"),
                          line: 21, "jitter: 2000000h is too late", in: dir)
        try expectRefused("link-event-jitter",
                          Self.scenario(events: "events:\n  - at: 1s\n    link: [a, b]\n    set: {jitter: 2000000h}"),
                          line: 23, "jitter: 2000000h is too late", in: dir)
        try expectRefused("start-time-2262", Self.scenario(top: "start-time: 2262-04-11T23:47:16Z", events: ping),
                          line: 2, "start-time must be from 1970-01-01T00:00:00Z to 2106-02-07T06:28:15.999999999Z", in: dir)
        try expectRefused("event-after-2106", Self.scenario(events: "events:\n  - at: 703000h\n    node: a\n    ping: 10.0.0.2"),
                          line: 21, "at: 703000h is too late: " + Self.limit + ", since start-time (2026-01-01T00:00:00Z) + time must stay before 2106-02-07T06:28:16Z", in: dir)
        try expectRefused("link-latency", Self.scenario(events: ping, links: "links:\n  - between: [a, b]\n    latency: 2562047h"),
                          line: 21, "latency: 2562047h is too late", in: dir)
        try expectRefused("lookup-at", Self.scenario(expect: "expect:\n  - at: 2562047h\n    node: a\n    lookup: 10.0.0.2\n    peer: b"),
                          line: 22, "at: 2562047h is too late", in: dir)

        let hex = Array(Self.wideTrace.utf8)
        let bytes = stride(from: 0, to: hex.count, by: 2).map { UInt8(String(decoding: hex[$0..<$0 + 2], as: UTF8.self), radix: 16)! }
        try Data(bytes).write(to: dir.appendingPathComponent("wide.pcapng"))
        try expectRefused("replay-wide-trace", Self.scenario(events: "events:\n  - at: 1s\n    node: a\n    replay: wide.pcapng"),
                          line: 23, "replay 'wide.pcapng': frame 2 is stamped more than 292 years from the first packet", in: dir)
    }

    func testOtherTimesAndTheLoadTimeNetworkChecksToo() throws {
        let dir = try folder()
        try expectRefused("duration", Self.scenario(top: "duration: 2562047h"), line: 2, "duration: 2562047h is too late", in: dir)
        try expectRefused("expect-after", Self.scenario(expect: "expect:\n  - node: a\n    after: 2562047h\n    action: delivered"),
                          line: 23, "after: 2562047h is too late", in: dir)
        try expectRefused("duplicate-route",
                          Self.scenario(top: "", events: "").replacingOccurrences(of: "          allowed-ips: [10.0.0.1/32]",
                              with: "          allowed-ips: [10.0.0.1/32]\n    routes: [10.0.0.0/24 dev wg0]"),
                          line: 19, "node 'b': ip route add 10.0.0.0/24 dev wg0: RTNETLINK answers: File exists", in: dir)
        try expectRefused("peer-without-wg0",
                          Self.scenario().replacingOccurrences(of: "  b:\n    underlay: 192.0.2.2\n    wireguard:", with: "  b:\n    underlay: 192.0.2.2\n  c:\n    wireguard:")
                              .replacingOccurrences(of: "  c:\n    wireguard:", with: "  c:\n    underlay: 192.0.2.3\n    wireguard:"),
                          line: 9, "peer 'b' has no wg0", in: dir)
    }

    func testExplainAndShowRefuseATimeAtOrPastTheLimit() throws {
        let dir = try folder()
        let path = dir.appendingPathComponent("s.yaml")
        try Self.scenario(events: "events:\n  - at: 1s\n    node: a\n    ping: 10.0.0.2").write(to: path, atomically: true, encoding: .utf8)
        for command in [["explain", path.path, "--node", "a", "--at", "2562047h", "10.0.0.2"],
                        ["show", path.path, "--node", "a", "--at", "703000h"]] {
            let result = try CLIRunner.run(command)
            XCTAssertEqual(result.status, 2, "\(command): \(result.stdout) \(result.stderr)")
            XCTAssertTrue(result.stderr.contains("\(path.path): --at \(command[5]) is too late: " + Self.limit), result.stderr)
            XCTAssertTrue(result.stdout.isEmpty, result.stdout)
        }
        let fine = try CLIRunner.run(["show", path.path, "--node", "a", "--at", "2s"])
        XCTAssertEqual(fine.status, 0, fine.stderr)
    }
}
