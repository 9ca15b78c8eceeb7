import Packet
import Routing
import WireGuard

/// eth0 and the links: WireGuard's UDP datagrams (and plain IP traffic routed to eth0) leave one
/// node's eth0, cross the link between the two nodes and arrive at the other's eth0.
extension Simulation {
    /// A WireGuard message from the node's listen port to `endpoint`. Like any packet the host
    /// sends, it is routed first, carrying wg0's fwmark (the kernel's `send4`/`send6` in
    /// drivers/net/wireguard/socket.c set `flowi4_mark`/`flowi6_mark` to it). wg-quick's rules
    /// for a `/0` exempt marked packets from its table, so a full tunnel's datagrams still leave
    /// through eth0; a route of the main table that covers the endpoint and points into wg0
    /// (`0.0.0.0/1`, or a `10.0.0.0/8` that holds the endpoint) sends them back into wg0: a
    /// routing loop, dropped as `dropped-routing-loop`.
    /// `sealed`: what the device sealed in a transport message, carried with it to the receiver
    /// (only when the run verifies opens beside the event loop; see `UnderlayDatagram.sealed`).
    func transmit(_ datagram: consuming [UInt8], to endpoint: Endpoint, from node: SimNode, context: PacketContext,
                  sealed: consuming SealedPlaintext? = nil) {
        guard node.eth0Up else {
            underlayDrop(node, .droppedInterfaceDown, endpoint, .eth0Down)
            return
        }
        guard endpoint.address.isIPv4 == node.underlay.isIPv4 else {
            underlayDrop(node, .droppedNoHost, endpoint, .noAddressOfFamily(endpoint))
            return
        }
        // The route by position: the usual eth0 route is only compared, never copied out.
        guard let position = node.routes.lookupPosition(endpoint.address, mark: node.fwmark) else {
            underlayDrop(node, .noRoute, endpoint, .noRoute(endpoint), iface: nil)
            return
        }
        guard case .eth0 = node.routes.entries[position].device else {
            let route = node.routes.entries[position]
            if route.device == .wg0 {
                // Kernels before 5.7 refuse here ("Avoiding routing loop", -ELOOP); later ones hand
                // the datagram back to wg0, which encapsulates it again for the same peer, so it
                // never leaves eth0 either (behaviour doc §2.1).
                underlayDrop(node, .droppedRoutingLoop, endpoint, .routingLoop(endpoint, route.spec, mark: node.fwmark), iface: .wg0)
            } else {
                underlayDrop(node, .routedElsewhere, endpoint, .notSimulated(route.spec), iface: route.device)
            }
            return
        }
        // The outer packet is built only for a capture that needs its bytes now (one writing
        // beside the event loop builds it there, from the same endpoints and payload); the
        // receiving eth0 builds it later if its own capture needs it (`arrive`).
        // A message sent unsealed (`PendingTransportSeal`) is captured with its seal, which the
        // capture lane makes; a sink wanting bytes here gets them sealed (a copy; the device is
        // told not to leave the seal when this node's sink wants bytes, so this is a fallback).
        let sink = node.eth0Capture
        var outer: [UInt8] = []
        if sink.wantsDatagramBytes {
            if let seal = sealed?.pending {
                outer = PacketBuilder.udp(from: node.listenEndpoint, to: endpoint, payload: seal.sealedCopy())
            } else {
                outer = PacketBuilder.udp(from: node.listenEndpoint, to: endpoint, payload: datagram)
            }
            sink.capture(time: now, packet: outer)
        } else if let seal = sealed?.pending {
            sink.captureDatagram(time: now, from: node.listenEndpoint, to: endpoint, sealing: seal)
        } else {
            sink.captureDatagram(time: now, from: node.listenEndpoint, to: endpoint, payload: datagram)
        }
        let size = PacketBuilder.udpHeadersLength(to: endpoint.address) + datagram.count
        send(outer, size: size, payload: datagram, from: node, to: endpoint.address, port: endpoint.port,
             isWireGuard: true, context: context, sealed: sealed)
    }

    /// A plain (unencrypted) IP packet the route table sent out of eth0 towards `nextHop`.
    func sendPlain(_ packet: [UInt8], from node: SimNode, nextHop: IPAddress, context: PacketContext) {
        guard node.eth0Up else {
            underlayDrop(node, .droppedInterfaceDown, nil, .eth0Down)
            return
        }
        node.eth0Capture.capture(time: now, packet: packet)
        send(packet, size: packet.count, payload: packet, from: node, to: nextHop, port: 0, isWireGuard: false, context: context)
    }

    /// `outer`: the whole packet on the wire, or empty for a WireGuard datagram whose bytes were
    /// not built (`UnderlayDatagram.outerPacket` makes them); `size`: its length either way.
    private func send(_ outer: consuming [UInt8], size: Int, payload: consuming [UInt8], from node: SimNode, to address: IPAddress,
                      port: UInt16, isWireGuard: Bool, context: PacketContext, sealed: consuming SealedPlaintext? = nil) {
        let endpoint = isWireGuard ? Endpoint(address: address, port: port) : nil
        guard let target = nodeByUnderlay[address], target != node.index else {
            underlayDrop(node, .droppedNoHost, endpoint, .noHost(address))
            return
        }
        let link = underlay.link(node.index, target)
        switch underlay.transit(link: link, from: node.index, size: size) {
        case .deliver(let delay):
            enqueueArrival(at: now.addingSaturated(delay), UnderlayDatagram(
                to: target, outer: outer, payload: payload, source: node.listenEndpoint, destination: address,
                destinationPort: port, isWireGuard: isWireGuard, context: context, sealed: sealed))
        case .lost:
            underlayDrop(node, .droppedLinkLoss, endpoint,
                         .lost(link: underlay.label(link), loss: underlay.links[link].properties.loss))
        case .down:
            underlayDrop(node, .droppedLinkDown, endpoint, .linkDown(link: underlay.label(link)))
        case .tooBig(let mtu):
            underlayDrop(node, .droppedLinkMTU, endpoint,
                         .tooBig(size: size, mtu: mtu, link: underlay.label(link)))
        }
    }

    /// A datagram reaches the far end of its link. Consumed (moved in by `dispatch`): borrowed,
    /// it cost a retain and a release more per arrival (callgrind, docs/performance.md session 12).
    func arrive(_ datagram: consuming UnderlayDatagram) {
        let node = nodes[datagram.to]
        guard node.underlay == datagram.destination else {
            underlayDrop(node, .droppedNoHost, nil, .moved(from: datagram.destination, to: node.underlay), dir: .rx)
            return
        }
        guard node.eth0Up else {
            underlayDrop(node, .droppedInterfaceDown, nil, .eth0Down, dir: .rx)
            return
        }
        let sink = node.eth0Capture
        if !datagram.outer.isEmpty {
            sink.capture(time: now, packet: datagram.outer)
        } else if sink.wantsDatagramBytes {
            sink.capture(time: now, packet: datagram.outerPacket)
        } else if let seal = datagram.sealed?.pending {
            sink.captureDatagram(time: now, from: datagram.source,
                                 to: Endpoint(address: datagram.destination, port: datagram.destinationPort),
                                 sealing: seal)
        } else {
            sink.captureDatagram(time: now, from: datagram.source,
                                 to: Endpoint(address: datagram.destination, port: datagram.destinationPort),
                                 payload: datagram.payload)
        }
        guard datagram.isWireGuard else {
            deliverLocally(datagram.payload, at: node, ingress: .eth0, context: datagram.context)
            return
        }
        guard let device = node.deviceReference, node.wg0Up, datagram.destinationPort == node.listenPort else {
            underlayDrop(node, .droppedPortClosed, datagram.source, .portClosed(datagram.destinationPort), dir: .rx)
            return
        }
        callDevice(of: node) { outlet in
            device._withUnsafeGuaranteedRef {
                $0.receive(datagram.payload, from: datagram.source, context: datagram.context, sealed: datagram.sealed,
                           now: now, to: outlet)
            }
        }
        armTimer(node)
    }

    private func underlayDrop(_ node: SimNode, _ action: Action, _ endpoint: Endpoint?, _ reason: UnderlayReason,
                              dir: Direction = .tx, iface: Interface? = .eth0) {
        record(DecisionRecord(t: now, node: node.position, iface: iface, dir: dir, action: action, decider: .underlay(reason),
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
    /// No route for wg0's own datagram to the endpoint.
    case noRoute(Endpoint)
    /// The route for wg0's own datagram (carrying `mark`) points back into wg0.
    case routingLoop(Endpoint, RouteSpec, mark: UInt32)
    /// The route for wg0's own datagram names a device that is not simulated.
    case notSimulated(RouteSpec)

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
        case .noRoute(let endpoint):
            return "no route to \(endpoint) for wg0's own datagram (No route to host): dropped"
        case .routingLoop(let endpoint, let route, let mark):
            let marked = mark == 0 ? "unmarked" : "fwmark 0x" + String(mark, radix: 16)
            return "wg0's own datagram to \(endpoint) (\(marked)) takes route \(route), back into wg0: "
                + "routing loop, dropped (the endpoint is inside a route to wg0 that no policy rule exempts)"
        case .notSimulated(let route):
            return "route \(route) for wg0's own datagram: \(route.device) is not simulated, the datagram leaves the model"
        }
    }
}

extension UnderlayDatagram {
    /// The whole outer packet, as eth0 captures show it: `outer`, or for a WireGuard datagram
    /// sent without its bytes built (no capture on the sending eth0 needed them then), the UDP
    /// datagram `transmit` would have built, made now from the same endpoints and payload (its
    /// seal made now, a copy, for a message sent unsealed).
    var outerPacket: [UInt8] {
        guard outer.isEmpty, isWireGuard else { return outer }
        return PacketBuilder.udp(from: source, to: Endpoint(address: destination, port: destinationPort),
                                 payload: sealed?.pending?.sealedCopy() ?? payload)
    }
}
