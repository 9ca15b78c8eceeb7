import WireGuard
@testable import Scenario

/// The wg-quick files the network tests (assembly, reach, lint) build on: fixed keys and a hub
/// whose peers are two spokes given /32s, written once.
enum WgQuickNetworkFixtures {
    /// A fixed private key per number, so the files are the same on every run.
    static func key(_ n: UInt8) -> PrivateKey { try! PrivateKey(bytes: [UInt8](repeating: n, count: 31) + [0x40]) }
    static func publicKey(_ n: UInt8) -> String { key(n).publicKey.base64 }

    /// A hub (10.0.0.1) listening on 51820 whose two peers, spokes 2 and 3, have a /32 each.
    static let hub = """
    [Interface]
    PrivateKey = \(key(1).base64)
    ListenPort = 51820
    Address = 10.0.0.1/24
    [Peer]
    PublicKey = \(publicKey(2))
    AllowedIPs = 10.0.0.2/32
    [Peer]
    PublicKey = \(publicKey(3))
    AllowedIPs = 10.0.0.3/32
    """

    /// The network the files describe, as `wgsim run FILE…` builds it.
    static func assemble(_ files: [(String, String)], name: String = "net") throws -> Scenario {
        try NetworkAssembly.assemble(files: files.map { (path: $0.0, text: $0.1) }, name: name, origin: "net")
    }
}
