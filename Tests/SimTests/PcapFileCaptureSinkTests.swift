import Glibc
import Packet
import Pcap
@testable import Sim
import XCTest

/// Captures for many interfaces with few open files; bytes identical to PcapWriter's.
final class PcapFileCaptureSinkTests: XCTestCase {
    private func temporaryDirectory() -> String {
        let path = "/tmp/sim-capture-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        mkdir(path, 0o755)
        return path
    }

    private func packet(_ n: Int) -> [UInt8] {
        PacketBuilder.udp(from: Endpoint(address: .v4(IPv4Address(10, 0, 0, 1)), port: 1000),
                          to: Endpoint(address: .v4(IPv4Address(10, 0, 0, 2)), port: UInt16(n % 60000)),
                          payload: [UInt8](repeating: UInt8(n % 256), count: n % 700))
    }

    func testManyInterfacesFewOpenFilesSameBytesAsPcapWriter() throws {
        let dir = temporaryDirectory()
        defer { for i in 0..<6 { unlink("\(dir)/n\(i)-eth0.pcap"); unlink("\(dir)/ref\(i).pcap") }; rmdir(dir) }
        let start: Int64 = 1_767_225_600_000_000_000
        let captures = PcapCaptureDirectory(directory: dir, startUnixNanoseconds: start, maxOpenFiles: 2)
        let sinks = try (0..<6).map { try captures.sink(named: "n\($0)-eth0") }
        var expected: [[(Int64, [UInt8])]] = Array(repeating: [], count: 6)
        for n in 0..<1200 where n % 6 != 5 {   // interface 5 never sees a packet
            let time = Int64(n) * 1_000_003
            sinks[n % 6].capture(time: time, packet: packet(n))
            expected[n % 6].append((start + time, packet(n)))
        }
        try captures.close()
        for i in 0..<6 {
            let reference = try PcapWriter(path: "\(dir)/ref\(i).pcap")
            for (timestamp, bytes) in expected[i] { try reference.write(bytes, timestamp: timestamp) }
            try reference.close()
            XCTAssertEqual(SimTestNetwork.fileBytes("\(dir)/n\(i)-eth0.pcap"), SimTestNetwork.fileBytes("\(dir)/ref\(i).pcap"), "interface \(i)")
        }
        XCTAssertEqual(try PcapReader(path: "\(dir)/n0-eth0.pcap").readAll().count, 200)
        XCTAssertEqual(SimTestNetwork.fileBytes("\(dir)/n5-eth0.pcap").count, 24)
    }

    func testUnwritableDirectoryIsReportedWhenTheSinkIsMade() {
        let captures = PcapCaptureDirectory(directory: "/nonexistent-dir", startUnixNanoseconds: 0)
        XCTAssertThrowsError(try captures.sink(named: "a-eth0")) { error in
            XCTAssertTrue("\(error)".contains("/nonexistent-dir/a-eth0.pcap"))
        }
    }

    func testTimestampBeforeTheEpochIsReportedAtClose() throws {
        let dir = temporaryDirectory()
        defer { unlink("\(dir)/a-eth0.pcap"); rmdir(dir) }
        let sink = try PcapFileCaptureSink(path: "\(dir)/a-eth0.pcap", startUnixNanoseconds: -5)
        sink.capture(time: 0, packet: packet(1))
        XCTAssertThrowsError(try sink.close())
    }

    func testSimulationWritesEveryInterfaceThroughTheDirectory() throws {
        let dir = temporaryDirectory()
        defer { for name in ["server-eth0", "server-wg0", "client-eth0", "client-wg0"] { unlink("\(dir)/\(name).pcap") }; rmdir(dir) }
        let captures = PcapCaptureDirectory(directory: dir, startUnixNanoseconds: SimTestNetwork.start, maxOpenFiles: 1)
        let sim = try Simulation(seed: 1, startUnixNanoseconds: SimTestNetwork.start, nodes: [
            SimTestNetwork.node("server", underlay: "203.0.113.1", wg: ["10.0.0.1/24"],
                                peers: [SimTestNetwork.peer("client", ["10.0.0.2/32"], endpoint: false)]),
            SimTestNetwork.node("client", underlay: "198.51.100.2", wg: ["10.0.0.2/24"],
                                peers: [SimTestNetwork.peer("server", ["10.0.0.1/32"])]),
        ], captureSink: { try captures.sink(named: $0) })
        SimTestNetwork.ping(sim, from: "client", to: "10.0.0.1", at: 1, count: 3)
        sim.run()
        try captures.close()
        let eth0 = try PcapReader(path: "\(dir)/client-eth0.pcap").readAll()
        XCTAssertEqual(eth0.count, 9)   // initiation, response, 3 × (request, reply), keepalive
        XCTAssertEqual(eth0.first?.timestamp, SimTestNetwork.start + SimTestNetwork.second)
        XCTAssertEqual(try PcapReader(path: "\(dir)/server-wg0.pcap").readAll().count, 6)
    }

    private func openDescriptors() -> Int {
        guard let directory = opendir("/proc/self/fd") else { return 0 }
        defer { closedir(directory) }
        var count = 0
        while readdir(directory) != nil { count += 1 }
        return count
    }

    /// 300 interfaces, each flushing several times, never hold more than the pool's 8 files.
    func testOpenFilesStayWithinThePoolLimit() throws {
        let dir = temporaryDirectory()
        defer { for i in 0..<300 { unlink("\(dir)/n\(i)-eth0.pcap") }; rmdir(dir) }
        let before = openDescriptors()
        let captures = PcapCaptureDirectory(directory: dir, startUnixNanoseconds: 0, maxOpenFiles: 8)
        let sinks = try (0..<300).map { try captures.sink(named: "n\($0)-eth0") }
        var peak = 0
        for round in 0..<40 {
            for (i, sink) in sinks.enumerated() { sink.capture(time: Int64(round), packet: packet(600 + i)) }
            peak = max(peak, openDescriptors() - before)
        }
        try captures.close()
        XCTAssertLessThanOrEqual(peak, 8)
        XCTAssertEqual(openDescriptors(), before)
        XCTAssertEqual(try PcapReader(path: "\(dir)/n7-eth0.pcap").readAll().count, 40)
    }
}
