import Routing

/// What a `Device` asks its environment to do, in order.
public enum DeviceEvent {
    /// A UDP payload to send from the device's listen port; `context` is that of the inner
    /// packet it seals (`.none` for handshake messages and keepalives).
    case transmit(datagram: [UInt8], to: Endpoint, context: PacketContext)
    /// A decrypted, source-checked inner packet for the host stack, with the context the caller
    /// gave the datagram it came in.
    case deliver(packet: [UInt8], context: PacketContext)
    /// No peer / no endpoint for a packet from the host: the environment builds the ICMP error
    /// (v4 type 3 code 1, v6 type 1 code 3) back to the packet's sender.
    case icmpUnreachable(offending: [UInt8])
    /// A decision for the log.
    case decision(Decision)
    /// A key for the Wireshark key log (`wireguard.keys`).
    case secret(KeyLogEntry)
}

/// Where a device's events go, in the order it makes them, while one of its calls runs.
///
/// This base class collects them in `events` (what the calls taking `into: inout [DeviceEvent]`
/// hand back). A subclass may carry each out as it is made instead (the simulator does, on the
/// packet path): no event is wrapped in a `DeviceEvent`, stored and taken out again. A subclass
/// must not call back into the device while it handles an event: the device is in the middle of
/// its call, and everything after the event is still to come.
open class DeviceEventOutlet {
    /// The events collected so far (the base class's methods append here).
    public var events: [DeviceEvent] = []

    public init() {}

    /// A decision for the log, handed over by its parts (`Decision`'s fields): an environment
    /// that logs it as a record of its own moves the subject and reason into that record, where
    /// a whole `Decision` passed as an opaque value had to be taken apart and its emptied shell
    /// destroyed per decision. This base class puts the parts back together as a `Decision`.
    open func decided(_ action: Action, _ direction: Direction, subject: consuming DecisionSubject,
                      reason: consuming DecisionReason) {
        append(.decision(Decision(action, direction, subject: subject, reason: reason)))
    }
    /// A UDP payload to send from the device's listen port (`DeviceEvent.transmit`).
    open func transmit(_ datagram: consuming [UInt8], to endpoint: Endpoint, context: PacketContext) {
        append(.transmit(datagram: datagram, to: endpoint, context: context))
    }
    /// A sealed transport message to send, with what its sender sealed in it (`SealedPlaintext`),
    /// for an environment that carries it to the receiver. This base class drops it and sends the
    /// message as `transmit(_:to:context:)` does.
    open func transmit(_ datagram: consuming [UInt8], to endpoint: Endpoint, context: PacketContext,
                       sealed: consuming SealedPlaintext) {
        transmit(datagram, to: endpoint, context: context)
    }
    /// Offers the open of a received transport message whose result is known (it came with its
    /// sender's plaintext, sealed under the receiving key): true when the environment takes the
    /// check and will run the real open later as a verification; false (this base class) when
    /// the device must open the message itself, now.
    open func verifiesOpen(_ check: consuming TransportOpenCheck) -> Bool { false }
    /// Whether the device may send a data packet's transport message unsealed, its seal left to
    /// the environment (`PendingTransportSeal`, carried in `SealedPlaintext.pending`): only an
    /// environment that never reads the ciphertext before the seal's thread makes it, nor lets
    /// a receiver open it without taking the seal along, says true. This base class says false.
    open var defersTransportSeals: Bool { false }
    /// A decrypted, source-checked inner packet for the host stack (`DeviceEvent.deliver`).
    open func deliver(_ packet: consuming [UInt8], context: PacketContext) {
        append(.deliver(packet: packet, context: context))
    }
    /// No peer or no endpoint for a packet from the host (`DeviceEvent.icmpUnreachable`).
    open func icmpUnreachable(offending: [UInt8]) { append(.icmpUnreachable(offending: offending)) }
    /// A key for the key log (`DeviceEvent.secret`).
    open func secret(_ entry: KeyLogEntry) { append(.secret(entry)) }

    private func append(_ event: consuming DeviceEvent) {
        // One allocation per call instead of growing 1 -> 2 -> 4.
        if events.capacity == 0 { events.reserveCapacity(4) }
        events.append(event)
    }
}

/// The interface counters the kernel keeps in `dev->stats` that the WireGuard paths touch.
struct DeviceCounters: Equatable, Sendable {
    var txErrors: UInt64 = 0
    var txDropped: UInt64 = 0
    var rxErrors: UInt64 = 0
    var rxFrameErrors: UInt64 = 0
    var rxLengthErrors: UInt64 = 0
}
