import Glibc
import Routing
@testable import Sim
import WireGuard
import XCTest

/// Small networks for the end-to-end tests, written the way a scenario file would describe them.
enum SimTestNetwork {
    static let second: Int64 = 1_000_000_000

    /// A file's whole contents (empty if it cannot be opened), for comparing written outputs.
    static func fileBytes(_ path: String) -> [UInt8] {
        guard let file = fopen(path, "rb") else { return [] }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = fread(&chunk, 1, chunk.count, file)
            if n <= 0 { break }
            bytes += chunk[0..<n]
        }
        return bytes
    }
    static let start: Int64 = 1_767_225_600 * 1_000_000_000   // 2026-01-01T00:00:00Z

    static func address(_ text: String) -> IPAddress {
        guard let address = try? IPAddress(parsing: text) else {
            XCTFail("bad test address \(text)")
            return .v4(IPv4Address(0))
        }
        return address
    }

    static func prefix(_ text: String) -> IPPrefix {
        guard let prefix = try? IPPrefix(parsing: text) else {
            XCTFail("bad test prefix \(text)")
            return prefixOrZero
        }
        return prefix
    }

    private static let prefixOrZero: IPPrefix = {
        // "0.0.0.0/0" always parses; the fallback only keeps the helper total.
        (try? IPPrefix(parsing: "0.0.0.0/0")) ?? (try? IPPrefix(address: .v4(IPv4Address(0)), length: 0))!
    }()

    static func interfaceAddress(_ text: String) -> InterfaceAddress {
        guard let address = try? InterfaceAddress(parsing: text) else {
            XCTFail("bad interface address \(text)")
            return (try? InterfaceAddress(parsing: "10.255.255.255/32"))!
        }
        return address
    }

    static func peer(_ name: String, _ allowed: [String], endpoint: Bool = true, keepalive: Int? = nil) -> PeerSpec {
        PeerSpec(peer: .node(name), allowedIPs: allowed.map(prefix), endpoint: endpoint ? .node(name) : nil,
                 persistentKeepalive: keepalive)
    }

    static func node(_ name: String, underlay: String, wg: [String], peers: [PeerSpec], routes: [RouteSpec] = []) -> NodeSpec {
        NodeSpec(name: name, underlay: address(underlay),
                 wireguard: InterfaceSpec(addresses: wg.map(interfaceAddress), peers: peers), routes: routes)
    }

    /// server 10.0.0.1 ↔ client 10.0.0.2, each with the other's /32 and endpoint.
    static func pair(seed: UInt64 = 1, links: [LinkSpec] = [], clientKnowsServer: Bool = true,
                     serverKnowsClient: Bool = false) throws -> Simulation {
        try Simulation(seed: seed, startUnixNanoseconds: start, nodes: [
            node("server", underlay: "203.0.113.1", wg: ["10.0.0.1/24"],
                 peers: [peer("client", ["10.0.0.2/32"], endpoint: serverKnowsClient)]),
            node("client", underlay: "198.51.100.2", wg: ["10.0.0.2/24"],
                 peers: [peer("server", ["10.0.0.1/32"], endpoint: clientKnowsServer)]),
        ], links: links)
    }

    static func ping(_ sim: Simulation, from node: String, to destination: String, at seconds: Int64,
                     count: Int = 1, source: String? = nil) {
        sim.schedule(at: seconds * second, .ping(node: node, destination: address(destination),
                                                 source: source.map(address), count: count,
                                                 interval: second, size: 56))
    }

    static func actions(_ sim: Simulation, node: String) -> [String] {
        sim.decisions.filter { $0.node == node }.map(\.action.rawValue)
    }

    static func count(_ sim: Simulation, node: String, _ action: String) -> Int {
        sim.decisions.filter { $0.node == node && $0.action.rawValue == action }.count
    }
}
