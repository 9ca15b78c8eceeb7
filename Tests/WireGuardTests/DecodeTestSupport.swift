import Foundation
import XCTest
import Pcap
@testable import WireGuard

/// The interop fixtures: real kernel WireGuard captures and their key logs, kept in the
/// repository under `Tests/Fixtures/interop/` (origin and licence in the README there).
enum Interop {
    /// `Tests/Fixtures/interop` of this package (three levels above this file).
    static var directory: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Tests/Fixtures/interop").path
    }

    /// The fixture's path. A missing fixture is recorded as a failure of the running test that
    /// names the file, so a checkout without it fails loudly instead of skipping or trapping.
    static func path(_ name: String, file: StaticString = #filePath, line: UInt = #line) -> String {
        let path = directory + "/" + name
        if !FileManager.default.fileExists(atPath: path) {
            XCTFail("interop fixture missing: \(path) (see Tests/Fixtures/interop/README.md)", file: file, line: line)
        }
        return path
    }

    /// A missing or unreadable fixture, as an error the test reports.
    struct FixtureError: Error, CustomStringConvertible {
        var description: String
    }

    /// The fixture's bytes, or a `FixtureError` naming it.
    static func bytes(_ name: String, file: StaticString = #filePath, line: UInt = #line) throws -> [UInt8] {
        let path = path(name, file: file, line: line)
        guard let data = FileManager.default.contents(atPath: path) else {
            throw FixtureError(description: "cannot read interop fixture \(path)")
        }
        return Array(data)
    }

    /// The fixture as UTF-8 text, or a `FixtureError` naming it.
    static func text(_ name: String, file: StaticString = #filePath, line: UInt = #line) throws -> String {
        let path = path(name, file: file, line: line)
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw FixtureError(description: "cannot read interop fixture \(path) as UTF-8 text")
        }
        return text
    }

    static let captures = ["wireguard-ping-tcp.pcap", "wireguard-psk.pcap"]
    static let keyFiles = ["wireguard-ping-tcp.i-alt.keys", "wireguard-ping-tcp.i.keys", "wireguard-ping-tcp.r.keys",
                           "wireguard-psk.i.keys", "wireguard-psk.r.keys",
                           "partial/ping-tcp.i-ephemeral-only.keys", "partial/ping-tcp.i-first-handshake-only.keys",
                           "partial/ping-tcp.i-no-remote-pub.keys", "partial/ping-tcp.r-first-handshake-only.keys",
                           "partial/ping-tcp.r-static-only.keys", "partial/psk.r-duplicates.keys",
                           "partial/psk.r-missing-psk.keys", "partial/psk.r-wrong-order.keys"]

    /// Decodes every WireGuard message of `capture` with the key log `keys`.
    static func decode(_ capture: String, keys: String, file: StaticString = #filePath, line: UInt = #line) throws -> [DecodedMessage] {
        let text = try text(keys, file: file, line: line)
        let decoder = CaptureDecoder(keyLog: KeyLog(parsing: text))
        let reader = try PcapReader(path: path(capture, file: file, line: line))
        var out: [DecodedMessage] = []
        while let packet = try reader.next() {
            if let message = decoder.decode(frame: packet.frame, ipPacket: packet.bytes) { out.append(message) }
        }
        return out
    }
}

/// Every fixture the interop tests name is in the repository.
final class InteropFixtureTests: XCTestCase {
    func testEveryInteropFixtureIsPresent() {
        for name in Interop.captures + Interop.keyFiles + ["wireguard-ping-tcp-dsb.pcapng", "README.md"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: Interop.directory + "/" + name),
                          "interop fixture missing: \(Interop.directory)/\(name)")
        }
    }
}
