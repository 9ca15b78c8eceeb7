import Packet
import Routing
import WireGuard

/// eth0 and the links: WireGuard's UDP datagrams (and plain IP traffic routed to eth0) leave one
/// node's eth0, cross the link between the two nodes and arrive at the other's eth0.
extension Simulation {
    /// A WireGuard message from the node's listen port to `endpoint`. wg-quick's fwmark rule keeps
    /// these off wg0 even under a full-tunnel default route, so they always leave through eth0.
    func transmit(_ datagram: [UInt8], to endpoint: Endpoint, from node: SimNode, trace: TraceRef?) {
        guard node.eth0Up else {
            underlayDrop(node, "dropped-interface-down", endpoint, .eth0Down)
            return
        }
        guard endpoint.address.isIPv4 == node.underlay.isIPv4 else {
            underlayDrop(node, "dropped-no-host", endpoint, .noAddressOfFamily(endpoint))
            return
        }
        let outer = PacketBuilder.udp(from: node.listenEndpoint, to: endpoint, payload: datagram)
        node.eth0Capture.capture(time: now, packet: outer)
        send(outer, payload: datagram, from: node, to: endpoint.address, port: endpoint.port,
             isWireGuard: true, trace: trace)
    }

    /// A plain (unencrypted) IP packet the route table sent out of eth0 towards `nextHop`.
    func sendPlain(_ packet: [UInt8], from node: SimNode, nextHop: IPAddress, trace: TraceRef?) {
        guard node.eth0Up else {
            underlayDrop(node, "dropped-interface-down", nil, .eth0Down)
            return
        }
        node.eth0Capture.capture(time: now, packet: packet)
        send(packet, payload: packet, from: node, to: nextHop, port: 0, isWireGuard: false, trace: trace)
    }

    private func send(_ outer: [UInt8], payload: [UInt8], from node: SimNode, to address: IPAddress, port: UInt16,
                      isWireGuard: Bool, trace: TraceRef?) {
        let endpoint = isWireGuard ? Endpoint(address: address, port: port) : nil
        guard let target = nodeByUnderlay[address], target != node.index else {
            underlayDrop(node, "dropped-no-host", endpoint, .noHost(address))
            return
        }
        let link = underlay.link(node.index, target)
        switch underlay.transit(link: link, size: outer.count) {
        case .deliver(let delay):
            queue.push(at: now.addingSaturated(delay), .arrival(UnderlayDatagram(
                to: target, outer: outer, payload: payload, source: node.listenEndpoint, destination: address,
                destinationPort: port, isWireGuard: isWireGuard, trace: trace)))
        case .lost:
            underlayDrop(node, "dropped-link-loss", endpoint,
                         .lost(link: underlay.links[link].label, loss: underlay.links[link].properties.loss))
        case .down:
            underlayDrop(node, "dropped-link-down", endpoint, .linkDown(link: underlay.links[link].label))
        case .tooBig(let mtu):
            underlayDrop(node, "dropped-link-mtu", endpoint,
                         .tooBig(size: outer.count, mtu: mtu, link: underlay.links[link].label))
        }
    }

    /// A datagram reaches the far end of its link.
    func arrive(_ datagram: UnderlayDatagram) {
        let node = nodes[datagram.to]
        guard node.underlay == datagram.destination else {
            underlayDrop(node, "dropped-no-host", nil, .moved(from: datagram.destination, to: node.underlay), dir: .rx)
            return
        }
        guard node.eth0Up else {
            underlayDrop(node, "dropped-interface-down", nil, .eth0Down, dir: .rx)
            return
        }
        node.eth0Capture.capture(time: now, packet: datagram.outer)
        guard datagram.isWireGuard else {
            deliverLocally(datagram.payload, at: node, ingress: "eth0", trace: datagram.trace)
            return
        }
        guard let device = node.device, node.wg0Up, datagram.destinationPort == node.listenPort else {
            underlayDrop(node, "dropped-port-closed", datagram.source, .portClosed(datagram.destinationPort), dir: .rx)
            return
        }
        handle(device.receive(datagram.payload, from: datagram.source, now: now), at: node,
               arrivalTrace: datagram.trace)
    }

    private func underlayDrop(_ node: SimNode, _ action: String, _ endpoint: Endpoint?, _ reason: UnderlayReason,
                              dir: DecisionDirection = .tx) {
        var record = DecisionRecord(t: now, node: node.name, iface: "eth0", dir: dir, action: action, why: "",
                                    endpoint: endpoint, names: names)
        record.underlayReason = reason
        self.record(record, at: node)
    }
}

/// Why eth0 or a link dropped a datagram; worded only when the log is written.
enum UnderlayReason {
    case eth0Down
    case noAddressOfFamily(Endpoint)
    case noHost(IPAddress)
    case lost(link: String, loss: Double)
    case linkDown(link: String)
    case tooBig(size: Int, mtu: Int, link: String)
    case moved(from: IPAddress, to: IPAddress)
    case portClosed(UInt16)

    var text: String {
        switch self {
        case .eth0Down: return "eth0 is down"
        case .noAddressOfFamily(let endpoint):
            return "eth0 has no \(endpoint.address.isIPv4 ? "IPv4" : "IPv6") address to reach \(endpoint)"
        case .noHost(let address): return "no simulated host has underlay address \(address)"
        case .lost(let link, let loss): return "lost on \(link) (loss \(loss))"
        case .linkDown(let link): return "\(link) is down"
        case .tooBig(let size, let mtu, let link): return "\(size)-byte packet exceeds the MTU \(mtu) of \(link)"
        case .moved(let from, let to): return "arrived for \(from), which this host no longer has (it moved to \(to))"
        case .portClosed(let port): return "nothing listens on UDP port \(port)"
        }
    }
}
