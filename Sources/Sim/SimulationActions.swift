import Packet
import Routing
import WireGuard

/// Scheduled actions: configuration commands, traffic generators, link and address changes.
/// Each configuration change is logged as a `config` decision so the log reads as a story; a
/// command the kernel would refuse is logged as `command-failed` with its error.
extension Simulation {
    func perform(_ action: SimAction) {
        if distributed != nil, performElsewhere(action) { return }
        switch action {
        case let .wgSet(name, peer, allowedIPs, endpoint, keepalive, psk, remove):
            let ordinal = wgSetActionsRun
            wgSetActionsRun += 1
            guard let node = node(name) else { return }
            wgSet(node, peer, allowedIPs, endpoint, keepalive, psk, remove, ordinal: ordinal)
        case .wgShow(let name):
            guard let node = node(name) else { return }
            note(node, "wg show", why: wgShow(node: name))
        case .routeAdd(let name, let route):
            guard let node = node(name) else { return }
            routeAdd(node, route)
        case .routeDelete(let name, let route):
            guard let node = node(name) else { return }
            do {
                try node.routes.delete(route)
                config(node, "ip route del \(route)")
            } catch {
                failed(node, "ip route del \(route)", error)
            }
        case let .linkState(name, device, up):
            guard let node = node(name) else { return }
            setLink(node, device: device, up: up)
        case let .ping(name, destination, source, count, interval, size):
            guard let node = node(name), count > 0 else { return }
            let identifier = node.nextPingIdentifier
            node.nextPingIdentifier &+= 1
            step(PingRun(node: node.index, destination: destination, source: source, remaining: count,
                         interval: max(0, interval), size: max(0, size), identifier: identifier, sequence: 1))
        case let .send(name, spec, _, _):
            // `schedule` turns a repeated send into a `SendRun`; here it is a single packet.
            guard let node = node(name) else { return }
            send(spec, from: node)
        case let .replay(name, trace, packets):
            guard let node = node(name) else { return }
            let cursor = packets.cursor()
            guard let first = cursor.next() else { return }
            let origin = context(file: trace, frame: 0).origin
            step(ReplayRun(node: node.index, origin: origin, cursor: cursor, bytes: first.bytes, frame: first.frame, start: now))
        case let .setLink(between, change):
            guard let a = nodeIndex[between.0], let b = nodeIndex[between.1], a != b else { return }
            underlay.change(a, b, change)
            config(nodes[a], "link \(between.0)–\(between.1) now \(Self.describe(underlay.properties(a, b)))")
        case let .moveUnderlay(name, address):
            guard let node = node(name) else { return }
            moveUnderlay(node, to: address)
        case let .underLoad(name, on):
            guard let node = node(name) else { return }
            setUnderLoad(node, on: on)
        }
    }

    /// One packet of a `send` event, as a local application would send it.
    private func send(_ spec: InnerPacketSpec, from node: SimNode) {
        let source = spec.source ?? node.sourceAddress(for: spec.destination,
                                                       via: node.routes.lookup(spec.destination)?.device)
        let identifier = node.nextPingIdentifier
        node.nextPingIdentifier &+= 1
        output(PacketBuilder.datagram(from: source, to: spec.destination,
                                      transport: Self.transport(spec, identifier: identifier),
                                      payloadSize: max(0, spec.size)), from: node, context: .none)
    }

    private static func transport(_ spec: InnerPacketSpec, identifier: UInt16) -> InnerTransport {
        switch spec.proto {
        case .udp: return .udp(sourcePort: spec.sourcePort, destinationPort: spec.destinationPort)
        case .tcp: return .tcp(sourcePort: spec.sourcePort, destinationPort: spec.destinationPort)
        case .icmp: return .icmp(identifier: identifier, sequence: 1)
        case .number(let number): return .other(protocolNumber: number)
        }
    }

    private func node(_ name: String) -> SimNode? { nodeIndex[name].map { nodes[$0] } }

    /// `ordinal`: how many `wg set` actions ran before this one (names its moves).
    private func wgSet(_ node: SimNode, _ peer: PeerRef, _ allowedIPs: AllowedIPsUpdate?, _ endpoint: EndpointRef?,
                       _ keepalive: Int?, _ psk: PresharedKey?, _ remove: Bool, ordinal: Int) {
        let command = "wg set wg0 peer \(peerText(peer))"
        guard let device = node.device else {
            failed(node, command, SimulationError("Unable to access interface: No such device"))
            return
        }
        do {
            let key = try resolve(peer, from: node)
            if remove {
                config(node, command + " remove")
                var events = spareEvents()
                device.removePeer(key, now: now, into: &events)
                handle(&events, at: node)
                return
            }
            let resolvedEndpoint = try endpoint.map { try resolve($0) }
            var text = command
            if let allowedIPs { text += " allowed-ips \(allowedIPs)" }
            if let resolvedEndpoint { text += " endpoint \(resolvedEndpoint)" }
            if let keepalive { text += " persistent-keepalive \(keepalive == 0 ? "off" : String(keepalive))" }
            if psk != nil { text += " preshared-key (set)" }
            var events = spareEvents()
            let moves = device.setPeer(key, presharedKey: psk, endpoint: resolvedEndpoint, persistentKeepalive: keepalive,
                                       allowedIPs: allowedIPs, now: now, into: &events)
            // The command's record comes before what the device then did (its events), as before;
            // it names the entries the command took from other peers.
            if moves.isEmpty {
                config(node, text)
            } else {
                noteMoves(moves, to: key, at: node, cause: .wgSet(ordinal: ordinal))
                record(DecisionRecord(t: now, node: node.position, iface: nil, dir: nil, action: .config,
                                      decider: .configMoving(text + ": " + movesText(moves, to: key),
                                                             moved: moves.map { ($0.prefix, $0.previousOwner) }),
                                      names: names), at: node)
            }
            handle(&events, at: node)
        } catch {
            failed(node, command, error)
        }
    }

    private func peerText(_ peer: PeerRef) -> String {
        switch peer {
        case .node(let name): return name
        case .key(let key): return key.base64
        }
    }

    private func routeAdd(_ node: SimNode, _ requested: RouteSpec) {
        let command = "ip route add \(requested)"
        do {
            let route = try checkedRoute(requested, on: node)
            try node.routes.add(route)
            config(node, "ip route add \(route)")
        } catch {
            failed(node, command, error)
        }
    }

    /// What the kernel checks before adding a route: the device exists and is up; a route given
    /// only `via GATEWAY` takes the device of the route to the gateway, which must be on eth0's
    /// link (a gateway reached through another gateway is refused).
    func checkedRoute(_ requested: RouteSpec, on node: SimNode) throws -> RouteSpec {
        try Self.checkedRoute(requested, in: node.routes, hasWg0: node.device != nil, wg0Up: node.wg0Up,
                              eth0Up: node.eth0Up)
    }

    /// `checkedRoute(_:on:)` for a route table and interface states given (as at set-up).
    static func checkedRoute(_ requested: RouteSpec, in routes: HostRouteTable, hasWg0: Bool, wg0Up: Bool,
                             eth0Up: Bool) throws -> RouteSpec {
        var route = requested
        if route.device.isEmpty {
            guard let via = route.via, let toGateway = routes.lookup(via), toGateway.spec.via == nil else {
                throw SimulationError("RTNETLINK answers: Network is unreachable (no device and no directly reachable gateway)")
            }
            route.device = toGateway.spec.device
        }
        switch Interface(name: route.device) {
        case .wg0 where !hasWg0, .other:
            throw SimulationError("Cannot find device \"\(route.device)\"")
        case .wg0 where !wg0Up, .eth0 where !eth0Up:
            throw SimulationError("RTNETLINK answers: Network is down")
        default:
            return route
        }
    }

    /// `ip link set DEV up|down`. wg0 down: the device purges staged packets, timers and keys,
    /// and the kernel flushes every route through wg0; up: the connected routes of wg0's
    /// addresses come back, other routes do not (net/ipv4/fib_frontend.c `fib_netdev_event`).
    private func setLink(_ node: SimNode, device name: String, up: Bool) {
        let command = "ip link set \(name) \(up ? "up" : "down")"
        switch name {
        case "eth0":
            node.eth0Up = up
            config(node, command)
        case "wg0":
            guard let device = node.device else {
                failed(node, command, SimulationError("Cannot find device \"wg0\""))
                return
            }
            guard node.wg0Up != up else {
                config(node, command + " (already \(up ? "up" : "down"))")
                return
            }
            node.wg0Up = up
            if up {
                for route in node.wg0Addresses.compactMap(Self.connectedRoute) {
                    try? node.routes.add(route, connected: true)
                }
                config(node, command + ": connected routes of wg0's addresses restored")
                var events = spareEvents()
                device.up(now: now, into: &events)
                handle(&events, at: node)
            } else {
                node.routes.removeRoutes(through: .wg0)
                config(node, command + ": staged packets purged, keys cleared, routes through wg0 flushed")
                var events = spareEvents()
                device.down(now: now, into: &events)
                handle(&events, at: node)
            }
        default:
            failed(node, command, SimulationError("Cannot find device \"\(name)\""))
        }
    }

    private func moveUnderlay(_ node: SimNode, to address: IPAddress) {
        let command = "eth0 address \(node.underlay) → \(address)"
        if let other = nodeByUnderlay[address], other != node.index {
            failed(node, command, SimulationError("\(address) already belongs to \(nodes[other].name)"))
            return
        }
        if nodeByUnderlay[node.underlay] == node.index { nodeByUnderlay[node.underlay] = nil }
        node.underlay = address
        nodeByUnderlay[address] = node.index
        config(node, command + " (roaming: peers learn it from the next authenticated packet)")
    }

    /// Forces wg0's under-load state (the kernel's handshake-queue test, behaviour doc §4.5).
    /// Switching it off takes effect 1 s after the last handshake message seen under load, as
    /// the kernel's `last_under_load` does.
    private func setUnderLoad(_ node: SimNode, on: Bool) {
        let command = "wg0 under load \(on ? "on" : "off")"
        guard let device = node.device else {
            failed(node, command, SimulationError("Cannot find device \"wg0\""))
            return
        }
        device.underLoad = on
        config(node, command + (on
            ? ": handshake messages without a valid mac2 are answered with a cookie reply"
            : ": sticks for 1 s after the last handshake message seen under load"))
    }

    /// One echo request of a `ping` run, then the next one `interval` later.
    func step(_ run: PingRun) {
        let node = nodes[run.node]
        let source = run.source ?? node.sourceAddress(for: run.destination,
                                                      via: node.routes.lookup(run.destination)?.device)
        if source.isIPv4 == run.destination.isIPv4 {
            let packet = PacketBuilder.echoRequest(from: source, to: run.destination, identifier: run.identifier,
                                                   sequence: run.sequence, payloadSize: run.size)
            output(packet, from: node, context: .none)
        } else {
            failed(node, "ping \(run.destination)", SimulationError("no source address of that family"))
        }
        guard run.remaining > 1 else { return }
        var next = run
        next.remaining -= 1
        next.sequence &+= 1
        enqueue(at: now.addingSaturated(run.interval), .ping(next))
    }

    /// One packet of a repeated `send`, then the next `interval` later in its reserved place.
    func step(_ run: SendRun) {
        send(run.packet, from: nodes[run.node])
        guard run.remaining > 1 else { return }
        var next = run
        next.remaining -= 1
        next.sequence &+= 1
        queue.push(at: now.addingSaturated(run.interval), .send(next), origin: EventOrigin.scenario, sequence: next.sequence)
    }

    /// Injects the next trace packet, then schedules the one after at its relative time.
    ///
    /// The run is consumed and goes on as the next event itself, its packet moved out to
    /// `output` and the next one moved in: a copy of the run (`var next = run`) retained its
    /// cursor and packet, and the event it came in was then destroyed whole after the call
    /// (~200 instructions per replayed packet; docs/performance.md, session 12).
    func step(_ run: consuming ReplayRun) {
        var bytes: [UInt8] = []
        swap(&bytes, &run.bytes)
        var packet = Optional(consume bytes)
        let context = PacketContext(origin: run.origin, number: run.frame)
        withNode(run.node) { output(packet.take()!, from: $0, context: context) }
        // The next packet is read now (a streamed trace is read one packet ahead of the replay).
        guard let following = run.cursor.next() else { return }
        // A loader has checked that every packet falls within the run; saturate for other callers.
        let (offset, overflow) = following.timestamp.subtractingReportingOverflow(run.cursor.firstTimestamp)
        let due = overflow ? (following.timestamp > 0 ? .max : now) : run.start.addingSaturated(offset)
        run.frame = following.frame
        run.bytes = following.bytes
        enqueue(at: max(now, due), .replay(run))
    }

    func config(_ node: SimNode, _ what: String) {
        record(DecisionRecord(t: now, node: node.position, iface: nil, dir: nil, action: .config, decider: .config(what),
                              names: names), at: node)
    }

    func note(_ node: SimNode, _ what: String, why: String) {
        record(DecisionRecord(t: now, node: node.position, iface: nil, dir: nil, action: .note,
                              decider: .note(what + "\n" + why), names: names), at: node)
    }

    func failed(_ node: SimNode, _ command: String, _ error: Error) {
        record(DecisionRecord(t: now, node: node.position, iface: nil, dir: nil, action: .commandFailed,
                              decider: .config("\(command): \(error)"), names: names), at: node)
    }

    static func describe(_ p: LinkProperties) -> String {
        "latency \(p.latency) ns, jitter \(p.jitter) ns, loss \(p.loss), mtu \(p.mtu), \(p.up ? "up" : "down")"
    }
}
