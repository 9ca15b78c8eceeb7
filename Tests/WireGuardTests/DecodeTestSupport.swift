import Foundation
import Pcap
@testable import WireGuard

/// Where the interop captures live: `../shared/interop` beside the package, or the absolute
/// fallback used in helper worktrees.
enum Interop {
    static var directory: String {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let relative = root.appendingPathComponent("../shared/interop").standardizedFileURL.path
        return FileManager.default.fileExists(atPath: relative) ? relative : "/work/shared/interop"
    }

    static func path(_ name: String) -> String { directory + "/" + name }

    static let captures = ["wireguard-ping-tcp.pcap", "wireguard-psk.pcap"]
    static let keyFiles = ["wireguard-ping-tcp.i-alt.keys", "wireguard-ping-tcp.i.keys", "wireguard-ping-tcp.r.keys",
                           "wireguard-psk.i.keys", "wireguard-psk.r.keys",
                           "partial/ping-tcp.i-ephemeral-only.keys", "partial/ping-tcp.i-first-handshake-only.keys",
                           "partial/ping-tcp.i-no-remote-pub.keys", "partial/ping-tcp.r-first-handshake-only.keys",
                           "partial/ping-tcp.r-static-only.keys", "partial/psk.r-duplicates.keys",
                           "partial/psk.r-missing-psk.keys", "partial/psk.r-wrong-order.keys"]

    /// Decodes every WireGuard message of `capture` with the key log `keys`.
    static func decode(_ capture: String, keys: String) throws -> [DecodedMessage] {
        let text = try String(contentsOfFile: path(keys), encoding: .utf8)
        let decoder = CaptureDecoder(keyLog: KeyLog(parsing: text))
        let reader = try PcapReader(path: path(capture))
        var out: [DecodedMessage] = []
        while let packet = try reader.next() {
            if let message = decoder.decode(frame: packet.frame, ipPacket: packet.bytes) { out.append(message) }
        }
        return out
    }
}
