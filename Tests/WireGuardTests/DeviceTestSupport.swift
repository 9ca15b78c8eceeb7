import Routing
@testable import WireGuard
import XCTest

/// Two or more Devices wired to each other in virtual time: datagrams a device transmits are
/// delivered (or lost, or held back) by the test. Every event is kept for assertions.
final class TestNet {
    struct Node {
        let name: String
        let device: Device
        let endpoint: Endpoint
    }

    var nodes: [Node] = []
    var now: Int64 = 0
    /// Every event with the node that produced it, in order.
    var log: [(node: String, event: DeviceEvent)] = []
    /// Datagrams sent but not yet delivered (the test decides), in order.
    var inFlight: [(from: String, datagram: [UInt8], to: Endpoint)] = []
    /// Decides for each transmitted datagram whether it is lost.
    var lose: (_ from: String, _ datagram: [UInt8]) -> Bool = { _, _ in false }
    /// When false, transmitted datagrams wait in `inFlight` until `flush`.
    var autoDeliver = true

    static func key(_ name: String) -> PrivateKey {
        var r = SeededRandom(seed: 42, label: "\(name)/static")
        return PrivateKey.generate(using: &r)
    }

    @discardableResult
    func add(_ name: String, address: String, port: UInt16 = 51820) throws -> Device {
        let device = Device(privateKey: TestNet.key(name), listenPort: port,
                            random: SeededRandom(seed: 42, label: "\(name)/wireguard"),
                            unixTimeOrigin: 1_700_000_000_000_000_000)
        nodes.append(Node(name: name, device: device, endpoint: Endpoint(address: try IPAddress(parsing: address), port: port)))
        return device
    }

    func node(_ name: String) -> Node { nodes.first { $0.name == name }! }
    func device(_ name: String) -> Device { node(name).device }
    func pub(_ name: String) -> PublicKey { device(name).publicKey }

    /// Configures `a` to know `b` with the given allowed IPs, endpoint = b's underlay.
    func peer(_ a: String, _ b: String, allowed: String, endpoint: Bool = true, psk: PresharedKey? = nil,
              keepalive: Int? = nil) throws {
        let update = try AllowedIPsUpdate(parsing: allowed)
        let events = collected {
            device(a).setPeer(pub(b), presharedKey: psk, endpoint: endpoint ? node(b).endpoint : nil,
                              persistentKeepalive: keepalive, allowedIPs: update, now: now, into: &$0)
        }
        handle(a, events)
    }

    func upAll() { for n in nodes { handle(n.name, collected { n.device.up(now: now, into: &$0) }) } }

    /// Sends an inner packet from `name`'s host stack into its wg0.
    func send(_ name: String, _ packet: [UInt8]) { handle(name, collected { device(name).send(packet, now: now, into: &$0) }) }

    /// Records events and carries transmitted datagrams to the node owning the endpoint.
    func handle(_ name: String, _ events: [DeviceEvent]) {
        for e in events {
            log.append((name, e))
            if case .transmit(let datagram, let to, _) = e {
                if lose(name, datagram) { continue }
                inFlight.append((name, datagram, to))
            }
        }
        if autoDeliver { flush() }
    }

    /// Delivers everything in flight (and what that causes), oldest first.
    func flush() {
        while !inFlight.isEmpty {
            let (from, datagram, to) = inFlight.removeFirst()
            deliver(datagram, from: from, to: to)
        }
    }

    /// Delivers only what is in flight now; what that causes stays in flight.
    func step() {
        let batch = inFlight
        inFlight = []
        for (from, datagram, to) in batch { deliver(datagram, from: from, to: to) }
    }

    func deliver(_ datagram: [UInt8], from: String, to: Endpoint, sourceOverride: Endpoint? = nil) {
        guard let target = nodes.first(where: { $0.endpoint == to }) else { return }
        let source = sourceOverride ?? node(from).endpoint
        handle(target.name, collected { target.device.receive(datagram, from: source, now: now, into: &$0) })
    }

    /// Advances virtual time to `t`, firing every device timer on the way in time order.
    func run(until t: Int64) {
        while true {
            let next = nodes.compactMap { n in n.device.nextTimerDeadline.map { ($0, n) } }.min { $0.0 < $1.0 }
            guard let (deadline, n) = next, deadline <= t else { break }
            now = max(now, deadline)
            handle(n.name, collected { n.device.advance(to: now, into: &$0) })
        }
        now = t
    }

    func decisions(_ name: String? = nil) -> [Decision] {
        log.compactMap { entry in
            guard name == nil || entry.node == name, case .decision(let d) = entry.event else { return nil }
            return d
        }
    }

    func actions(_ name: String) -> [Action] { decisions(name).map(\.action) }

    func count(_ name: String, _ action: Action) -> Int { decisions(name).filter { $0.action == action }.count }

    func delivered(_ name: String) -> [[UInt8]] {
        log.compactMap { entry in
            guard entry.node == name, case .deliver(let p, _) = entry.event else { return nil }
            return p
        }
    }

    func transmitted(_ name: String) -> [[UInt8]] {
        log.compactMap { entry in
            guard entry.node == name, case .transmit(let d, _, _) = entry.event else { return nil }
            return d
        }
    }

    func clearLog() { log.removeAll() }
}

/// The events of one device call, in an array of their own (the device appends to the
/// caller's array; tests read each call's events whole).
func collected(_ call: (inout [DeviceEvent]) -> Void) -> [DeviceEvent] {
    var events: [DeviceEvent] = []
    call(&events)
    return events
}

let second: Int64 = 1_000_000_000
let millisecond: Int64 = 1_000_000

/// A minimal IPv4 packet (header + zero payload) with the given addresses.
func ipv4(_ src: String, _ dst: String, payload: Int = 8, proto: UInt8 = 17) -> [UInt8] {
    let total = 20 + payload
    var p = [UInt8](repeating: 0, count: total)
    p[0] = 0x45
    p[2] = UInt8(total >> 8); p[3] = UInt8(total & 0xff)
    p[8] = 64; p[9] = proto
    let s = src.split(separator: ".").compactMap { UInt8($0) }
    let d = dst.split(separator: ".").compactMap { UInt8($0) }
    p.replaceSubrange(12..<16, with: s)
    p.replaceSubrange(16..<20, with: d)
    return p
}

/// A minimal IPv6 packet with the given addresses.
func ipv6(_ src: String, _ dst: String, payload: Int = 8) throws -> [UInt8] {
    var p = [UInt8](repeating: 0, count: 40 + payload)
    p[0] = 0x60
    p[4] = UInt8(payload >> 8); p[5] = UInt8(payload & 0xff)
    p[6] = 17; p[7] = 64
    p.replaceSubrange(8..<24, with: try IPAddress(parsing: src).bytes)
    p.replaceSubrange(24..<40, with: try IPAddress(parsing: dst).bytes)
    return p
}

/// The standard two-node setup: A (10.0.0.1, underlay 192.0.2.1) and B (10.0.0.2, 192.0.2.2).
func makePair(psk: PresharedKey? = nil) throws -> TestNet {
    let net = TestNet()
    try net.add("A", address: "192.0.2.1")
    try net.add("B", address: "192.0.2.2")
    try net.peer("A", "B", allowed: "10.0.0.2/32", psk: psk)
    try net.peer("B", "A", allowed: "10.0.0.1/32", psk: psk)
    net.upAll()
    return net
}

/// A↔B with a session; B has confirmed it (A's first packet went through), and the log is empty.
func establishedPair(file: StaticString = #filePath, line: UInt = #line) throws -> TestNet {
    let net = try makePair()
    net.send("A", ipv4("10.0.0.1", "10.0.0.2"))
    XCTAssertEqual(net.delivered("B").count, 1, "the session is up", file: file, line: line)
    net.clearLog()
    return net
}
