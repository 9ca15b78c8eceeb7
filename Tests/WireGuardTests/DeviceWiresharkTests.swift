import Foundation
import Packet
import Pcap
import Routing
@testable import WireGuard
import XCTest

/// The key-log lines the Devices emit let Wireshark validate every handshake and decrypt every
/// transport message they produce (the simulator's `wireguard.keys` contract).
final class DeviceWiresharkTests: XCTestCase {
    /// Runs a conversation with two handshakes (the second a rekey after 120 s) and returns the
    /// underlay frames and the key log.
    func conversation(psk: PresharedKey?) throws -> (frames: [[UInt8]], keyLog: [KeyLogEntry]) {
        let net = try makePair(psk: psk)
        net.send("A", ipv4("10.0.0.1", "10.0.0.2", payload: 64))
        net.send("B", ipv4("10.0.0.2", "10.0.0.1", payload: 64))
        net.run(until: 121 * second)
        net.send("A", ipv4("10.0.0.1", "10.0.0.2", payload: 64))
        net.send("B", ipv4("10.0.0.2", "10.0.0.1", payload: 64))
        var frames: [[UInt8]] = []
        var keyLog: [KeyLogEntry] = []
        for (node, event) in net.log {
            switch event {
            case .transmit(let datagram, let to, _):
                frames.append(PacketBuilder.udp(from: net.node(node).endpoint, to: to, payload: datagram))
            case .secret(let entry):
                keyLog.append(entry)
            default:
                break
            }
        }
        return (frames, keyLog)
    }

    func checkTshark(psk: PresharedKey?) throws {
        guard let tshark = DecodeTsharkTests.tsharkPath else { return XCTFail("tshark is not installed: scripts/setup.sh installs it (a failure, not a skip)") }
        let (frames, keyLog) = try conversation(psk: psk)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("wgsim-device-\(getpid())-\(psk == nil)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let pcapPath = directory.appendingPathComponent("device.pcap").path
        let keysPath = directory.appendingPathComponent("wireguard.keys").path
        let writer = try PcapWriter(path: pcapPath, linkType: .raw)
        for (i, frame) in frames.enumerated() { try writer.write(frame, timestamp: Int64(i) * 1_000_000) }
        try writer.flush()
        try KeyLog.emit(keyLog).write(toFile: keysPath, atomically: true, encoding: .utf8)
        let decoded = try DecodeTsharkTests.tshark(tshark, capture: pcapPath, keys: keysPath, decodeAsPort: 51820)
        XCTAssertEqual(decoded.count, frames.count)
        XCTAssertEqual(decoded.filter { $0.type == 1 }.count, 2, "two handshakes")
        XCTAssertEqual(decoded.filter { $0.type == 2 }.count, 2)
        for frame in decoded {
            XCTAssertTrue(frame.valid, "frame \(frame.frame) type \(frame.type) not validated/decrypted by tshark")
        }
        let inner = decoded.compactMap(\.inner)
        XCTAssertTrue(inner.contains("10.0.0.1>10.0.0.2 17 84"), "\(inner)")
        XCTAssertTrue(inner.contains("10.0.0.2>10.0.0.1 17 84"), "\(inner)")
    }

    func testTsharkDecryptsDeviceTrafficWithEmittedKeyLog() throws { try checkTshark(psk: nil) }

    func testTsharkDecryptsDeviceTrafficWithPresharedKey() throws {
        try checkTshark(psk: try PresharedKey(bytes: [UInt8](repeating: 0x42, count: 32)))
    }

    /// One static key per device, and each PSK line right after an ephemeral line (Wireshark
    /// pairs a PRESHARED_KEY with the LOCAL_EPHEMERAL_PRIVATE_KEY before it).
    func testKeyLogShape() throws {
        let (_, keyLog) = try conversation(psk: try PresharedKey(bytes: [UInt8](repeating: 1, count: 32)))
        XCTAssertEqual(keyLog.filter { $0.kind == .localStaticPrivate }.count, 2)
        XCTAssertEqual(keyLog.filter { $0.kind == .localEphemeralPrivate }.count, 4)
        for (i, entry) in keyLog.enumerated() where entry.kind == .presharedKey {
            XCTAssertEqual(keyLog[i - 1].kind, .localEphemeralPrivate)
        }
    }
}
