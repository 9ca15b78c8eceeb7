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
    /// `capture` and `keys` are interop names or absolute paths; `decodeAsPort` makes tshark
    /// treat that UDP port as WireGuard (its heuristic needs an initiation to start a stream).
    static func tshark(_ tshark: String, capture: String, keys: String, decodeAsPort: Int? = nil) throws -> [TsharkFrame] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tshark)
        func resolve(_ p: String) -> String { p.hasPrefix("/") ? p : Interop.path(p) }
        var arguments = ["-r", resolve(capture), "-o", "wg.keylog_file:" + resolve(keys)]
        if let decodeAsPort { arguments += ["-d", "udp.port==\(decodeAsPort),wg"] }
        process.arguments = arguments + ["-T", "fields",
                             "-E", "occurrence=a", "-E", "aggregator=,", "-Y", "wg",
                             "-e", "frame.number", "-e", "wg.type", "-e", "wg.receiver", "-e", "wg.counter",
                             "-e", "wg.handshake_ok", "-e", "wg.timestamp.nanoseconds", "-e", "wg.stream",
                             "-e", "ip.src", "-e", "ip.dst", "-e", "ip.proto", "-e", "ip.len",
                                             "-e", "frame.protocols", "-e", "ipv6.src", "-e", "ipv6.dst", "-e", "ipv6.nxt",
                                             "-e", "ipv6.plen"]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let lines = String(decoding: data, as: UTF8.self).split(separator: "\n")
        var rows = lines.map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
        rows = rows.filter { $0.count >= 16 }
        // A stream's transport keys exist when its response showed handshake_ok = 1.
        var streamOK: [String: Bool] = [:]
        for r in rows where r[1] == "2" { streamOK[r[6]] = r[4] == "1" }
        return rows.map { r in
            let type = Int(r[1]) ?? 0
            let inner = innerPacket(r)
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

    /// The decrypted packet's fields: the IPv4 or IPv6 layer right after "wg" in frame.protocols
    /// (tshark prints repeated fields as "outer,inner,…"; the index skips the layers before wg).
    static func innerPacket(_ r: [String]) -> String? {
        let layers = r[11].split(separator: ":")
        guard let wg = layers.firstIndex(of: "wg"), wg + 1 < layers.count else { return nil }
        let kind = layers[wg + 1]
        let index = layers[..<wg].filter { $0 == kind }.count
        func field(_ i: Int) -> Substring {
            let values = r[i].split(separator: ",")
            return index < values.count ? values[index] : ""
        }
        switch kind {
        case "ip": return "\(field(7))>\(field(8)) \(field(9)) \(field(10))"
        case "ipv6": return "\(field(12))>\(field(13)) \(field(14)) \((Int(field(15)) ?? 0) + 40)"
        default: return nil
        }
    }

    func testDecoderAgreesWithTsharkOnEveryCaptureAndKeyFile() throws {
        guard let tshark = Self.tsharkPath else { return XCTFail("tshark is not installed: scripts/setup.sh installs it; this comparison is the product's promise, so it fails rather than skips") }
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
