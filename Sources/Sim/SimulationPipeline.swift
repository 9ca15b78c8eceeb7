import Packet
import Routing
import WireGuard

/// The packet path through a node: local application → host route table → wg0 (the Device) →
/// eth0 → link → the peer's eth0 → its Device → wg0 → its local stack.
extension Simulation {
    func dispatch(_ event: SimEvent) {
        switch event {
        case .action(let action): perform(action)
        case .timer(let node): fireTimers(nodes[node])
        case .arrival(let datagram): arrive(datagram)
        case .output(let node, let packet, let trace): output(packet, from: nodes[node], trace: trace)
        case .ping(let run): step(run)
        case .send(let run): step(run)
        case .replay(let run): step(run)
        case .forward(let node, let packet, let trace): output(packet, from: nodes[node], trace: trace, forwarded: true)
        case .deviceUp(let index):
            let node = nodes[index]
            if node.wg0Up, let device = node.device { handle(device.up(now: now), at: node) }
        }
    }

    /// A packet from a local application: the host route table decides where it goes.
    func output(_ packet: [UInt8], from node: SimNode, trace: TraceRef?, forwarded: Bool = false) {
        if !forwarded { node.counters.originated += 1 }
        let summary: IPPacketSummary
        do {
            summary = try IPPacketSummary(parsing: packet)
        } catch {
            record(DecisionRecord(t: now, node: node.name, iface: "none", dir: .tx, action: "dropped-invalid",
                                  why: "not an IP packet the stack could send: \(error)", packet: packet,
                                  trace: trace, names: names), at: node)
            return
        }
        let destination = summary.destination
        if node.isLocal(destination) {
            record(routeDecision(node, "lo", "routed-elsewhere", packet, trace, .localAddress), at: node)
            deliverLocally(packet, at: node)
            return
        }
        guard let route = node.routes.lookup(destination) else {
            record(routeDecision(node, "none", "no-route", packet, trace, .noRoute), at: node)
            return
        }
        switch route.device {
        case .wg0:
            guard let device = node.device, node.wg0Up else {
                record(routeDecision(node, "wg0", "no-route", packet, trace, .interfaceNotUp(route.spec)), at: node)
                return
            }
            record(DecisionRecord(t: now, node: node.name, iface: "wg0", action: "routed-to-wg", route: route.spec,
                                  packet: packet, trace: trace, names: names), at: node)
            node.wg0Capture?.capture(time: now, packet: packet)
            handle(device.send(packet, now: now), at: node, sent: (packet, trace), arrivalTrace: nil)
        case .eth0:
            record(DecisionRecord(t: now, node: node.name, iface: "eth0", action: "routed-elsewhere", route: route.spec,
                                  packet: packet, trace: trace, names: names), at: node)
            sendPlain(packet, from: node, nextHop: route.spec.via ?? destination, trace: trace)
        case .other(let name):
            record(routeDecision(node, name, "routed-elsewhere", packet, trace, .notSimulated(route.spec)), at: node)
        }
    }

    private func routeDecision(_ node: SimNode, _ iface: String, _ action: String, _ packet: [UInt8],
                               _ trace: TraceRef?, _ reason: RoutingReason,
                               dir: DecisionDirection = .tx) -> DecisionRecord {
        var record = DecisionRecord(t: now, node: node.name, iface: iface, dir: dir, action: action, why: "",
                                    packet: packet, trace: trace, names: names)
        record.routingReason = reason
        return record
    }

    /// Carries out what the Device asked for, in order, then re-arms the node's timer wake-up.
    /// `sent` is the packet (and its trace) of a `send` call, `arrivalTrace` the trace riding on
    /// a received datagram: decisions about that packet name the trace frame.
    ///
    /// The events are taken (consumed) one by one, so each decision's fields move into its record
    /// instead of being copied (a retain and a release per reference field saved).
    func handle(_ events: consuming [DeviceEvent], at node: SimNode, sent: ([UInt8], TraceRef?)? = nil,
                arrivalTrace: TraceRef? = nil, armsTimer: Bool = true) {
        var transmitTrace: TraceRef?
        var pending = events
        for i in pending.indices {
            // Swapping the event out moves it (iterating would copy it, and each copy retains
            // every reference it holds); the placeholder left behind holds none.
            var event = DeviceEvent.deliver(packet: [])
            swap(&event, &pending[i])
            switch consume event {
            case .decision(let decision):
                let trace = traceOf(decision, at: node, sent: sent, arrivalTrace: arrivalTrace)
                if decision.packet != nil { transmitTrace = trace }
                record(DecisionRecord(t: now, node: node.name, device: decision, trace: trace, names: names), at: node)
            case .transmit(let datagram, let endpoint):
                transmit(datagram, to: endpoint, from: node, trace: transmitTrace)
                transmitTrace = nil
            case .deliver(let packet):
                deliverFromTunnel(packet, at: node, trace: arrivalTrace)
            case .icmpUnreachable(let offending):
                icmpUnreachable(offending, at: node)
            case .secret(let entry):
                addKeyLogLine(entry.line)
            }
        }
        node.device?.recycleEvents(&pending)
        if armsTimer { armTimer(node) }
    }

    /// Which trace frame a device decision is about: the frame of the packet being sent in this
    /// call, of the datagram being received, or of a replayed packet staged earlier.
    /// Reads the decision and the call's packet in place (bound copies cost a retain each).
    private func traceOf(_ decision: borrowing Decision, at node: SimNode, sent: ([UInt8], TraceRef?)?,
                         arrivalTrace: TraceRef?) -> TraceRef? {
        guard decision.packet != nil else { return nil }
        if decision.direction == .rx { return arrivalTrace }
        if sent?.1 != nil, decision.packet == sent?.0 {
            if decision.action == .queued, let packet = decision.packet, let trace = sent?.1 {
                // Packets purged without a decision of their own (handshake given up, wg0 down)
                // would stay here; keep the list bounded (the device stages at most 129 per peer).
                if node.stagedTraces.count >= Self.stagedTraceLimit { node.stagedTraces.removeFirst() }
                node.stagedTraces.append(StagedTrace(packet: packet, trace: trace))
            }
            return sent?.1
        }
        guard !node.stagedTraces.isEmpty, let packet = decision.packet else { return nil }
        let fingerprint = StagedTrace.fingerprint(of: packet)
        guard let position = node.stagedTraces.firstIndex(where: { $0.fingerprint == fingerprint && $0.packet == packet })
        else { return nil }
        let trace = node.stagedTraces[position].trace
        if decision.action != .queued { node.stagedTraces.remove(at: position) }
        return trace
    }

    static let stagedTraceLimit = 4096

    /// Schedules the engine wake-up for the device's next timer deadline. A wake-up already
    /// pending at or before the deadline is enough; a later one goes stale and is skipped.
    /// `afterFiring`: called right after `advance(to: now)`, when any deadline still at or before
    /// now would only repeat; the wake-up then goes 1 ns later, so a run can never stall.
    func armTimer(_ node: SimNode, afterFiring: Bool = false) {
        guard let deadline = node.device?.nextTimerDeadline else { return }
        let at = max(deadline, afterFiring ? now + 1 : now)
        if let pending = node.timerWakeUp, pending <= at { return }
        node.timerWakeUp = at
        queue.push(at: at, .timer(node: node.index), deferred: true)
    }

    private func fireTimers(_ node: SimNode) {
        guard node.timerWakeUp == now, let device = node.device else { return }
        node.timerWakeUp = nil
        handle(device.advance(to: now), at: node, armsTimer: false)
        armTimer(node, afterFiring: true)
    }

    /// The kernel drops the packet and sends the local sender an ICMP (v4 type 3 code 1, v6 type 1
    /// code 3) from wg0's address [wireguard-behaviour.md §2 step 2].
    private func icmpUnreachable(_ offending: [UInt8], at node: SimNode) {
        let v4 = (offending.first ?? 0x40) >> 4 == 4
        let source = node.wg0Addresses.first { $0.address.isIPv4 == v4 }?.address ?? node.underlay
        guard let icmp = try? PacketBuilder.destinationUnreachable(offending: offending, source: source) else { return }
        record(DecisionRecord(t: now, node: node.name, iface: "wg0", dir: .rx, action: "icmp-unreachable",
                              why: v4 ? "ICMP destination unreachable (host unreachable) from \(source) to the local sender"
                                      : "ICMPv6 destination unreachable (address unreachable) from \(source) to the local sender",
                              packet: icmp, names: names), at: node)
        deliverLocally(icmp, at: node)
    }

    /// A decrypted, source-checked packet out of wg0: captured on wg0, then the local stack.
    private func deliverFromTunnel(_ packet: [UInt8], at node: SimNode, trace: TraceRef?) {
        node.wg0Capture?.capture(time: now, packet: packet)
        deliverLocally(packet, at: node, ingress: "wg0", trace: trace)
    }

    /// IP forwarding: the TTL (hop limit) goes down by one, a packet that would reach zero is
    /// dropped (no ICMP time exceeded is modelled), and the rest is routed again at this
    /// instant, after what is already due.
    private func forward(_ packet: [UInt8], at node: SimNode, ingress: String, trace: TraceRef?) {
        guard let forwarded = Self.decrementingTTL(packet) else {
            record(routeDecision(node, ingress, "dropped-ttl-exceeded", packet, trace, .ttlExceeded, dir: .rx), at: node)
            return
        }
        record(routeDecision(node, ingress, "forwarded", packet, trace, .forwarding, dir: .rx), at: node)
        queue.push(at: now, .forward(node: node.index, packet: forwarded, trace: trace))
    }

    /// The packet with its TTL (IPv4, header checksum updated) or hop limit (IPv6) one lower; nil
    /// when it would reach zero.
    static func decrementingTTL(_ packet: [UInt8]) -> [UInt8]? {
        var bytes = packet
        if (bytes.first ?? 0) >> 4 == 4 {
            let headerLength = Int(bytes[0] & 0x0f) * 4
            guard bytes.count >= max(20, headerLength), bytes[8] > 1 else { return nil }
            bytes[8] -= 1
            bytes[10] = 0; bytes[11] = 0
            let checksum = InternetChecksum.compute(bytes, 0..<headerLength)
            bytes[10] = UInt8(checksum >> 8); bytes[11] = UInt8(checksum & 0xff)
            return bytes
        }
        guard bytes.count >= 40, bytes[7] > 1 else { return nil }
        bytes[7] -= 1
        return bytes
    }

    /// The local stack takes the packet; an echo reply goes back out through the whole pipeline
    /// as a new event at the same instant, after everything already due now.
    func deliverLocally(_ packet: [UInt8], at node: SimNode, ingress: String = "lo", trace: TraceRef? = nil) {
        if node.forwarding, let summary = try? IPPacketSummary(parsing: packet), !node.isLocal(summary.destination) {
            forward(packet, at: node, ingress: ingress, trace: trace)
            return
        }
        let local: (IPAddress) -> Bool = { node.isLocal($0) }
        if case .reply(let reply) = node.stack.accept(packet, isLocal: local) {
            queue.push(at: now, .output(node: node.index, packet: reply, trace: nil))
        }
    }
}
