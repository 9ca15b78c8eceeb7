import Foundation
import XCTest
@testable import WireGuard

/// Live comparison with Wireshark's dissector: runs tshark (when installed) on every interop
/// capture with every key file and checks `CaptureDecoder` validates and decrypts exactly the
/// frames tshark does, with the same indices, counters and inner packets.
final class DecodeTsharkTests: XCTestCase {
    static let tsharkPath = ["/usr/bin/tshark", "/usr/local/bin/tshark"].first { FileManager.default.isExecutableFile(atPath: $0) }

    struct TsharkFrame {
        var frame: Int, type: Int, receiver: UInt32?, counter: UInt64?, valid: Bool, inner: String?
    }

    /// One tshark run: per WireGuard frame, what it decoded.
    static func tshark(_ tshark: String, capture: String, keys: String) throws -> [TsharkFrame] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tshark)
        process.arguments = ["-r", Interop.path(capture), "-o", "wg.keylog_file:" + Interop.path(keys), "-T", "fields",
                             "-E", "occurrence=a", "-E", "aggregator=,", "-Y", "wg",
                             "-e", "frame.number", "-e", "wg.type", "-e", "wg.receiver", "-e", "wg.counter",
                             "-e", "wg.handshake_ok", "-e", "wg.timestamp.nanoseconds", "-e", "wg.stream",
                             "-e", "ip.src", "-e", "ip.dst", "-e", "ip.proto", "-e", "ip.len"]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let lines = String(decoding: data, as: UTF8.self).split(separator: "\n")
        var rows = lines.map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
        rows = rows.filter { $0.count >= 11 }
        // A stream's transport keys exist when its response showed handshake_ok = 1.
        var streamOK: [String: Bool] = [:]
        for r in rows where r[1] == "2" { streamOK[r[6]] = r[4] == "1" }
        return rows.map { r in
            let type = Int(r[1]) ?? 0
            let srcs = r[7].split(separator: ","), dsts = r[8].split(separator: ",")
            let protos = r[9].split(separator: ","), lens = r[10].split(separator: ",")
            let inner = srcs.count > 1 ? "\(srcs[1])>\(dsts[1]) \(protos[1]) \(lens[1])" : nil
            let valid: Bool
            switch type {
            case 1: valid = !r[5].isEmpty
            case 2: valid = r[4] == "1"
            case 4: valid = inner != nil || streamOK[r[6]] == true
            default: valid = false
            }
            return TsharkFrame(frame: Int(r[0]) ?? 0, type: type, receiver: UInt32(r[2].dropFirst(2), radix: 16),
                               counter: UInt64(r[3]), valid: valid, inner: inner)
        }
    }

    func testDecoderAgreesWithTsharkOnEveryCaptureAndKeyFile() throws {
        guard let tshark = Self.tsharkPath else { throw XCTSkip("tshark is not installed") }
        let pairs = Interop.captures.flatMap { c in Interop.keyFiles.map { (c, $0) } }
        var expected = [[TsharkFrame]?](repeating: nil, count: pairs.count)
        let lock = NSLock()
        DispatchQueue.concurrentPerform(iterations: pairs.count) { i in
            let frames = try? Self.tshark(tshark, capture: pairs[i].0, keys: pairs[i].1)
            lock.lock(); expected[i] = frames; lock.unlock()
        }
        for (i, (capture, keys)) in pairs.enumerated() {
            guard let theirs = expected[i] else { XCTFail("tshark failed on \(capture) \(keys)"); continue }
            let ours = try Interop.decode(capture, keys: keys)
            XCTAssertEqual(ours.map(\.frame), theirs.map(\.frame), "\(capture) \(keys): same WireGuard frames")
            for (m, t) in zip(ours, theirs) {
                let context = "\(capture) \(keys) frame \(m.frame)"
                XCTAssertEqual(Int(m.type.rawValue), t.type, context)
                XCTAssertEqual(m.valid, t.valid, context)
                if m.type == .transport {
                    XCTAssertEqual(m.receiver, t.receiver, context)
                    XCTAssertEqual(m.counter, t.counter, context)
                    let inner = m.inner.map { "\($0.source)>\($0.destination) \($0.protocolNumber) \($0.length)" }
                    XCTAssertEqual(inner, t.inner, context)
                }
            }
        }
    }
}
