import Packet
import Routing
import WireGuard

/// The packet path through a node: local application → host route table → wg0 (the Device) →
/// eth0 → link → the peer's eth0 → its Device → wg0 → its local stack.
extension Simulation {
    /// Runs one popped event. The event is consumed: each case's payload is bound out of it and
    /// released on its own, where a borrowed event was destroyed whole after the call (the enum's
    /// outlined destroy, a switch over every case, ~150 instructions per event).
    ///
    /// A packet's node is lent unretained (`withNode`), the packet moved on to `output` (`take`:
    /// captured plainly by the closure, it was copied for the call).
    func dispatch(_ event: consuming SimEvent) {
        switch consume event {
        case .action(let action): perform(action)
        case .timer(let node): withNode(node) { fireTimers($0) }
        case .arrival(let datagram): arrive(datagram)
        case .output(let node, let packet, let context):
            var packet = Optional(consume packet)
            withNode(node) { output(packet.take()!, from: $0, context: context) }
        case .ping(let run): step(run)
        case .send(let run): step(run)
        case .replay(let run): step(run)
        case .forward(let node, let packet, let context):
            var packet = Optional(consume packet)
            withNode(node) { output(packet.take()!, from: $0, context: context, forwarded: true) }
        case .deviceUp(let index): bringDevicesUp(from: index)
        }
    }

    /// Calls `body` with node `index` unretained: `nodes` is a constant that holds every node for
    /// the simulation's life, so the node outlives the call. Read out of the array plainly, the
    /// node was retained and released around each event's call.
    @inline(__always)
    func withNode<Result>(_ index: Int, _ body: (SimNode) -> Result) -> Result {
        Unmanaged.passUnretained(nodes[index])._withUnsafeGuaranteedRef(body)
    }

    /// A packet from a local application: the host route table decides where it goes.
    /// `context` names the packet's trace frame, if it was replayed from one.
    ///
    /// The packet is consumed: an `.output` event's packet is moved in, where a borrowed one left
    /// the event to be destroyed whole after the call (the enum's outlined destroy, ~130
    /// instructions per event; docs/performance.md, session 12).
    func output(_ packet: consuming [UInt8], from node: SimNode, context: PacketContext, forwarded: Bool = false) {
        if !forwarded { node.counters.originated += 1 }
        let summary: IPPacketSummary
        do {
            summary = try IPPacketSummary(parsing: packet)
        } catch {
            record(hostDecision(node, nil, .droppedInvalid, packet, context, .notSendable("\(error)")), at: node)
            return
        }
        let destination = summary.destination
        if node.isLocal(destination) {
            record(hostDecision(node, .lo, .routedElsewhere, packet, context, .localAddress), at: node)
            deliverLocally(packet, at: node)
            return
        }
        // The route's position: its fields are read in place, not copied out of the table.
        guard let position = node.routes.lookupPosition(destination) else {
            record(hostDecision(node, nil, .noRoute, packet, context, .noRoute), at: node)
            return
        }
        switch node.routes.entries[position].device {
        case .wg0:
            let spec = node.routes.entries[position].spec
            guard let device = node.deviceReference, node.wg0Up else {
                record(hostDecision(node, .wg0, .noRoute, packet, context, .interfaceNotUp(spec)), at: node)
                return
            }
            record(hostDecision(node, .wg0, .routedToWG, packet, context, .chose(spec)), at: node)
            node.wg0Capture?.capture(time: now, packet: packet)
            callDevice(of: node) { outlet in
                device._withUnsafeGuaranteedRef { $0.send(packet, context: context, now: now, to: outlet) }
            }
            armTimer(node)
        case .eth0:
            let spec = node.routes.entries[position].spec
            record(hostDecision(node, .eth0, .routedElsewhere, packet, context, .chose(spec)), at: node)
            sendPlain(packet, from: node, nextHop: spec.via ?? destination, context: context)
        case .other:
            let route = node.routes.entries[position]
            record(hostDecision(node, route.device, .routedElsewhere, packet, context, .notSimulated(route.spec)), at: node)
        }
    }

    private func hostDecision(_ node: SimNode, _ iface: Interface?, _ action: Action, _ packet: [UInt8],
                              _ context: PacketContext, _ decision: HostDecision,
                              dir: Direction = .tx) -> DecisionRecord {
        DecisionRecord(t: now, node: node.position, iface: iface, dir: dir, action: action, decider: .host(decision),
                       subject: DecisionSubject(packet: packet, context: context), names: names)
    }

    /// The simulation's spare events array, for one device call: the device appends to it, and
    /// `handle` empties it and swaps it back, so one storage serves every call. Taken out (not
    /// borrowed), so that a call made while another's events are handled would get its own.
    func spareEvents() -> [DeviceEvent] {
        var events: [DeviceEvent] = []
        swap(&events, &eventStorage)
        return events
    }

    /// Carries out what the Device asked for, in order, then re-arms the node's timer wake-up.
    /// Each decision and datagram about an inner packet comes back with the context the packet
    /// was given (its trace frame, if any), however long it waited in a staged queue.
    ///
    /// The events are taken one by one, in place, so each decision's fields move into its record
    /// instead of being copied (a retain and a release per reference field saved). The emptied
    /// array's storage goes back to `eventStorage` for the next call; `events` is left empty.
    func handle(_ events: inout [DeviceEvent], at node: SimNode, armsTimer: Bool = true) {
        for i in events.indices {
            // Swapping the event out moves it (iterating would copy it, and each copy retains
            // every reference it holds); the placeholder left behind holds none. (Reversing the
            // array and popping each event cost more: `reverse` copied every event it swapped;
            // moving each event out through the array's raw memory saved nothing measurable.)
            var event = DeviceEvent.icmpUnreachable(offending: [])
            swap(&event, &events[i])
            switch consume event {
            case .decision(let decision):
                recordDevice(decision, at: node)
            case .transmit(let datagram, let endpoint, let context):
                transmit(datagram, to: endpoint, from: node, context: context)
            case .deliver(let packet, let context):
                deliverFromTunnel(packet, at: node, context: context)
            case .icmpUnreachable(let offending):
                icmpUnreachable(offending, at: node)
            case .secret(let entry):
                addKeyLogLine(entry)
            }
        }
        // One at a time from the end: `removeAll(keepingCapacity:)` went through the generic
        // `replaceSubrange` (about 330 instructions a call, for the two to four placeholders).
        while !events.isEmpty { events.removeLast() }
        swap(&events, &eventStorage)
        if armsTimer { armTimer(node) }
    }

    /// Calls node's device with `nodeOutlet` set to carry out its events for that node as the
    /// device makes them: each in the order made, as `handle` would after the call, so the
    /// records, captures and queue places are the same; none is wrapped, stored and taken out.
    /// Only for calls where nothing is recorded between the device's call and its events
    /// (`send`, `receive`, `advance`); the configuration calls go through `handle`.
    @inline(__always)
    func callDevice(of node: SimNode, _ call: (DeviceEventOutlet) -> Void) {
        if nodeOutletReference == nil { nodeOutlet = NodeDeviceOutlet(simulation: self, opens: nil) }
        nodeOutletReference!._withUnsafeGuaranteedRef { outlet in
            // The node is restored after the call, though none of the events calls a device again.
            let outer = outlet.node
            outlet.node = Unmanaged.passUnretained(node)
            call(outlet)
            outlet.node = outer
        }
    }

    /// Lets receiving devices take the open of a transport message as known when it comes with
    /// what its sender sealed under the same key, and hands the real open to `pipeline`'s
    /// `transportOpens` as a verification (run beside the event loop with two or more threads,
    /// inline with one). Call before the run; the pipeline's `transportOpens.close()` then
    /// reports a check that failed. Without this call every message is opened on the event
    /// thread, as before.
    public func verifyTransportOpens(on pipeline: OutputPipeline) {
        pipeline.transportOpens.nameNodes { [weak self] node in
            guard let self, self.nodes.indices.contains(node) else { return nil }
            return self.nodes[node].name
        }
        nodeOutlet = NodeDeviceOutlet(simulation: self, opens: pipeline.transportOpens)
    }

    /// How many data packets' transport messages devices sent unsealed so far, their seals left
    /// to the capture lane (`NodeDeviceOutlet.defersTransportSeals`; 0 without a lane).
    public var transportSealsDeferred: Int { nodeOutlet?.sealsDeferred ?? 0 }

    /// A WireGuard device's decision, recorded at `node` (iface wg0) with the context's trace.
    func recordDevice(_ decision: consuming Decision, at node: SimNode) {
        record(DecisionRecord(t: now, node: node.position, device: consume decision, names: names), at: node)
    }

    /// A WireGuard device's decision handed over by its parts (`NodeDeviceOutlet.decided`), the
    /// subject and reason moved into the record: no `Decision` is taken apart and destroyed.
    func recordDevice(_ action: Action, _ direction: Direction, subject: consuming DecisionSubject,
                      reason: consuming DecisionReason, at node: SimNode) {
        record(DecisionRecord(t: now, node: node.position, iface: .wg0, dir: direction, action: action,
                              decider: .device(reason), subject: subject, names: names), at: node)
    }

    /// Schedules the engine wake-up for the device's next timer deadline. A wake-up already
    /// pending at or before the deadline is enough; a later one goes stale and is skipped.
    /// `afterFiring`: called right after `advance(to: now)`, when any deadline still at or before
    /// now would only repeat; the wake-up then goes 1 ns later, so a run can never stall.
    func armTimer(_ node: SimNode, afterFiring: Bool = false) {
        guard let deadline = node.deviceReference?._withUnsafeGuaranteedRef({ $0.nextTimerDeadline }) else { return }
        let at = max(deadline, afterFiring ? now + 1 : now)
        if let pending = node.timerWakeUp, pending <= at { return }
        node.timerWakeUp = at
        enqueueTimer(at: at, node: node.index)
    }

    private func fireTimers(_ node: SimNode) {
        guard node.timerWakeUp == now, let device = node.deviceReference else { return }
        node.timerWakeUp = nil
        callDevice(of: node) { outlet in device._withUnsafeGuaranteedRef { $0.advance(to: now, outlet: outlet) } }
        armTimer(node, afterFiring: true)
    }

    /// The kernel drops the packet and sends the local sender an ICMP (v4 type 3 code 1, v6 type 1
    /// code 3) from wg0's address [wireguard-behaviour.md §2 step 2].
    func icmpUnreachable(_ offending: [UInt8], at node: SimNode) {
        let v4 = (offending.first ?? 0x40) >> 4 == 4
        let source = node.wg0Addresses.first { $0.address.isIPv4 == v4 }?.address ?? node.underlay
        guard let icmp = try? PacketBuilder.destinationUnreachable(offending: offending, source: source) else { return }
        record(hostDecision(node, .wg0, .icmpUnreachable, icmp, .none, .unreachableSent(source: source, isIPv4: v4),
                            dir: .rx), at: node)
        deliverLocally(icmp, at: node)
    }

    /// A decrypted, source-checked packet out of wg0: captured on wg0, then the local stack.
    func deliverFromTunnel(_ packet: [UInt8], at node: SimNode, context: PacketContext) {
        node.wg0Capture?.capture(time: now, packet: packet)
        deliverLocally(packet, at: node, ingress: .wg0, context: context)
    }

    /// IP forwarding: the TTL (hop limit) goes down by one, a packet that would reach zero is
    /// dropped (no ICMP time exceeded is modelled), and the rest is routed again at this
    /// instant, after what is already due.
    private func forward(_ packet: [UInt8], at node: SimNode, ingress: Interface, context: PacketContext) {
        guard let forwarded = Self.decrementingTTL(packet) else {
            record(hostDecision(node, ingress, .droppedTTLExceeded, packet, context, .ttlExceeded, dir: .rx), at: node)
            return
        }
        record(hostDecision(node, ingress, .forwarded, packet, context, .forwarding, dir: .rx), at: node)
        enqueue(at: now, .forward(node: node.index, packet: forwarded, context: context))
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
    func deliverLocally(_ packet: [UInt8], at node: SimNode, ingress: Interface = .lo, context: PacketContext = .none) {
        if node.forwarding, let summary = try? IPPacketSummary(parsing: packet), !node.isLocal(summary.destination) {
            forward(packet, at: node, ingress: ingress, context: context)
            return
        }
        let local: (IPAddress) -> Bool = { node.isLocal($0) }
        if case .reply(let reply) = node.stack.accept(packet, isLocal: local) {
            enqueue(at: now, .output(node: node.index, packet: reply, context: .none))
        }
    }
}

/// Carries out what a node's device asks for, as the device makes each event: the simulator's
/// side of `DeviceEventOutlet` on the packet path (`Simulation.callDevice(of:_:)`).
///
/// The simulation and the node are held unmanaged and used through guaranteed references: read
/// from `unowned(unsafe)` fields they were retained and released around every event (two of
/// each per decision).
final class NodeDeviceOutlet: DeviceEventOutlet {
    /// The simulation owns this outlet (`nodeOutlet`), so it outlives every call.
    private let simulation: Unmanaged<Simulation>
    /// The node whose device is being called; set by `callDevice(of:_:)` around each call (the
    /// simulation's node list keeps it alive).
    var node: Unmanaged<SimNode>?
    /// Where received transport messages' opens are verified (nil: devices open them at once,
    /// and sent ones carry no `SealedPlaintext`).
    private let opens: TransportOpenVerifier?
    /// `opens`, used through a guaranteed reference on the packet path: read plainly, it was
    /// retained and released around each call made while it was held (the capture sink's
    /// question in `defersTransportSeals`, the verifier's `add`), one pair per data packet each.
    private let opensReference: Unmanaged<TransportOpenVerifier>?

    init(simulation: Simulation, opens: TransportOpenVerifier?) {
        self.simulation = Unmanaged.passUnretained(simulation)
        self.opens = opens
        opensReference = opens.map { Unmanaged.passUnretained($0) }
    }

    override func decided(_ action: Action, _ direction: Direction, subject: consuming DecisionSubject,
                          reason: consuming DecisionReason) {
        guard let node else { return }
        // The parts go straight into the record (`Simulation.recordDevice(_:_:subject:reason:at:)`),
        // each moved on (`take`): passing a parameter plainly into the closure copied it, a
        // retain and release of each reference in it per decision.
        var subject = Optional(consume subject)
        var reason = Optional(consume reason)
        simulation._withUnsafeGuaranteedRef { simulation in
            node._withUnsafeGuaranteedRef { node in
                simulation.recordDevice(action, direction, subject: subject.take()!, reason: reason.take()!, at: node)
            }
        }
    }

    override func transmit(_ datagram: consuming [UInt8], to endpoint: Endpoint, context: PacketContext) {
        guard let node else { return }
        var datagram = Optional(consume datagram)
        simulation._withUnsafeGuaranteedRef { simulation in
            node._withUnsafeGuaranteedRef { node in
                simulation.transmit(datagram.take()!, to: endpoint, from: node, context: context)
            }
        }
    }

    override func transmit(_ datagram: consuming [UInt8], to endpoint: Endpoint, context: PacketContext,
                           sealed: consuming SealedPlaintext) {
        guard let node else { return }
        var datagram = Optional(consume datagram)
        // Carried only when the receiver can verify: otherwise it would be held for nothing.
        var carried: SealedPlaintext? = opens == nil ? nil : Optional(consume sealed)
        if carried?.pending != nil { sealsDeferred += 1 }
        simulation._withUnsafeGuaranteedRef { simulation in
            node._withUnsafeGuaranteedRef { node in
                simulation.transmit(datagram.take()!, to: endpoint, from: node, context: context, sealed: carried.take())
            }
        }
    }

    /// Seals are left to the capture lane when opens are verified there (the lane then makes
    /// every sealed message it writes or opens, `PendingTransportSeal`), while that lane keeps up
    /// (`TransportOpenVerifier.laneHasRoom`: a lane that falls behind gets no more seals until it
    /// catches up, so the seals are shared between the threads), and when the sending node's
    /// eth0 capture takes datagrams without their bytes: a sink that wants the bytes on the event
    /// thread (a capture kept in memory) would have the event thread seal a
    /// copy right away, and the lane seal the message again for its open.
    override var defersTransportSeals: Bool {
        guard let opensReference, opensReference._withUnsafeGuaranteedRef({ $0.laneHasRoom }), let node else { return false }
        return !node._withUnsafeGuaranteedRef { $0.eth0WantsDatagramBytes }
    }

    /// How many transport messages devices sent unsealed, their seals left to the capture lane.
    private(set) var sealsDeferred = 0

    override func verifiesOpen(_ check: consuming TransportOpenCheck) -> Bool {
        guard let opensReference, let node else { return false }
        let index = node._withUnsafeGuaranteedRef { $0.index }
        let time = simulation._withUnsafeGuaranteedRef { $0.now }
        // Moved on (`take`): passing the parameter into the closure copied it.
        var taken = Optional(consume check)
        opensReference._withUnsafeGuaranteedRef { $0.add(taken.take()!, time: time, node: index) }
        return true
    }

    override func deliver(_ packet: consuming [UInt8], context: PacketContext) {
        guard let node else { return }
        simulation._withUnsafeGuaranteedRef { simulation in
            node._withUnsafeGuaranteedRef { node in
                simulation.deliverFromTunnel(packet, at: node, context: context)
            }
        }
    }

    override func icmpUnreachable(offending: [UInt8]) {
        guard let node else { return }
        simulation._withUnsafeGuaranteedRef { simulation in
            node._withUnsafeGuaranteedRef { node in simulation.icmpUnreachable(offending, at: node) }
        }
    }

    override func secret(_ entry: KeyLogEntry) {
        simulation._withUnsafeGuaranteedRef { $0.addKeyLogLine(entry) }
    }
}
