import Packet
import Routing
import WireGuard

/// eth0 and the links: WireGuard's UDP datagrams (and plain IP traffic routed to eth0) leave one
/// node's eth0, cross the link between the two nodes and arrive at the other's eth0.
extension Simulation {
    /// A WireGuard message from the node's listen port to `endpoint`. wg-quick's fwmark rule keeps
    /// these off wg0 even under a full-tunnel default route, so they always leave through eth0.
    func transmit(_ datagram: [UInt8], to endpoint: Endpoint, from node: SimNode, context: PacketContext) {
        guard node.eth0Up else {
            underlayDrop(node, .droppedInterfaceDown, endpoint, .eth0Down)
            return
        }
        guard endpoint.address.isIPv4 == node.underlay.isIPv4 else {
            underlayDrop(node, .droppedNoHost, endpoint, .noAddressOfFamily(endpoint))
            return
        }
        let outer = PacketBuilder.udp(from: node.listenEndpoint, to: endpoint, payload: datagram)
        node.eth0Capture.capture(time: now, packet: outer)
        send(outer, payload: datagram, from: node, to: endpoint.address, port: endpoint.port,
             isWireGuard: true, context: context)
    }

    /// A plain (unencrypted) IP packet the route table sent out of eth0 towards `nextHop`.
    func sendPlain(_ packet: [UInt8], from node: SimNode, nextHop: IPAddress, context: PacketContext) {
        guard node.eth0Up else {
            underlayDrop(node, .droppedInterfaceDown, nil, .eth0Down)
            return
        }
        node.eth0Capture.capture(time: now, packet: packet)
        send(packet, payload: packet, from: node, to: nextHop, port: 0, isWireGuard: false, context: context)
    }

    private func send(_ outer: [UInt8], payload: [UInt8], from node: SimNode, to address: IPAddress, port: UInt16,
                      isWireGuard: Bool, context: PacketContext) {
        let endpoint = isWireGuard ? Endpoint(address: address, port: port) : nil
        guard let target = nodeByUnderlay[address], target != node.index else {
            underlayDrop(node, .droppedNoHost, endpoint, .noHost(address))
            return
        }
        let link = underlay.link(node.index, target)
        switch underlay.transit(link: link, size: outer.count) {
        case .deliver(let delay):
            queue.push(at: now + delay, .arrival(UnderlayDatagram(
                to: target, outer: outer, payload: payload, source: node.listenEndpoint, destination: address,
                destinationPort: port, isWireGuard: isWireGuard, context: context)))
        case .lost:
            underlayDrop(node, .droppedLinkLoss, endpoint,
                         .lost(link: underlay.links[link].label, loss: underlay.links[link].properties.loss))
        case .down:
            underlayDrop(node, .droppedLinkDown, endpoint, .linkDown(link: underlay.links[link].label))
        case .tooBig(let mtu):
            underlayDrop(node, .droppedLinkMTU, endpoint,
                         .tooBig(size: outer.count, mtu: mtu, link: underlay.links[link].label))
        }
    }

    /// A datagram reaches the far end of its link.
    func arrive(_ datagram: UnderlayDatagram) {
        let node = nodes[datagram.to]
        guard node.underlay == datagram.destination else {
            underlayDrop(node, .droppedNoHost, nil, .moved(from: datagram.destination, to: node.underlay), dir: .rx)
            return
        }
        guard node.eth0Up else {
            underlayDrop(node, .droppedInterfaceDown, nil, .eth0Down, dir: .rx)
            return
        }
        node.eth0Capture.capture(time: now, packet: datagram.outer)
        guard datagram.isWireGuard else {
            deliverLocally(datagram.payload, at: node, ingress: .eth0, context: datagram.context)
            return
        }
        guard let device = node.device, node.wg0Up, datagram.destinationPort == node.listenPort else {
            underlayDrop(node, .droppedPortClosed, datagram.source, .portClosed(datagram.destinationPort), dir: .rx)
            return
        }
        var events = spareEvents()
        device.receive(datagram.payload, from: datagram.source, context: datagram.context, now: now, into: &events)
        handle(&events, at: node)
    }

    private func underlayDrop(_ node: SimNode, _ action: Action, _ endpoint: Endpoint?, _ reason: UnderlayReason,
                              dir: Direction = .tx) {
        record(DecisionRecord(t: now, node: node.name, iface: .eth0, dir: dir, action: action, decider: .underlay(reason),
                              subject: DecisionSubject(endpoint: endpoint), names: names), at: node)
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
