import Glibc
@testable import Sim
import XCTest

/// The streamed decision log equals the records' own lines, one per line, in order.
final class DecisionLogWriterTests: XCTestCase {
    typealias N = SimTestNetwork

    private func read(_ path: String) -> String {
        String(decoding: N.fileBytes(path), as: UTF8.self)
    }

    func testWriterOutputEqualsJSONAndTextLines() throws {
        let directory = NSTemporaryDirectoryPath()
        let jsonl = directory + "/sim-writer-test-\(getpid()).jsonl", text = directory + "/sim-writer-test-\(getpid()).txt"
        defer { unlink(jsonl); unlink(text) }
        let writer = try DecisionLogWriter(jsonlPath: jsonl, textPath: text)
        let sim = try N.pair()
        sim.onDecision = { writer.write($0) }
        N.ping(sim, from: "client", to: "10.0.0.1", at: 1, count: 2)
        N.ping(sim, from: "client", to: "10.0.0.99", at: 5)
        sim.schedule(at: 6 * N.second, .wgShow(node: "server"))
        sim.run()
        try writer.close()
        XCTAssertEqual(writer.count, sim.decisions.count)
        XCTAssertEqual(read(jsonl), sim.decisions.map { $0.jsonLine + "\n" }.joined())
        XCTAssertEqual(read(text), sim.decisions.map { $0.textLine + "\n" }.joined())
        // The multi-line `wg show` note stays one log line per decision in decisions.txt.
        XCTAssertEqual(read(text).split(separator: "\n").filter { !$0.hasPrefix(" ") }.count, sim.decisions.count)
    }

    func testUnwritablePathIsATypedError() {
        XCTAssertThrowsError(try DecisionLogWriter(jsonlPath: "/nonexistent-dir/x.jsonl", textPath: nil)) { error in
            XCTAssertTrue("\(error)".contains("/nonexistent-dir/x.jsonl"))
        }
    }

    func testNumbersAndTimes() {
        let out = ByteBuffer(capacity: 8)   // small, so appends have to grow it
        ByteText.appendInteger(0, to: out); out.append(0x20)
        ByteText.appendInteger(-42, to: out); out.append(0x20)
        ByteText.appendInteger(UInt64.max, to: out); out.append(0x20)
        ByteText.appendSeconds(1_000_000_500, to: out); out.append(0x20)
        ByteText.appendSeconds(0, to: out)
        XCTAssertEqual(String(decoding: out.bytes, as: UTF8.self), "0 -42 18446744073709551615 1.000000500 0.000000000")
        for value in [9, 10, 99, 100, 101, 999, 1000, 12345, 4_294_967_295, 9_999_999_999_999_999_999] as [UInt64] {
            let digits = ByteBuffer()
            ByteText.appendUnsigned(value, to: digits)
            XCTAssertEqual(String(decoding: digits.bytes, as: UTF8.self), String(value))
        }
    }

    private func NSTemporaryDirectoryPath() -> String {
        if let tmp = getenv("TMPDIR") { return String(cString: tmp) }
        return "/tmp"
    }
}
