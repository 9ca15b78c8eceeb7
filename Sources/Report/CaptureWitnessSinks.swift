import NetAddress
import Sim
import WireGuard

/// What is told of every captured packet with its frame number: the recorder, or in a split
/// run the process's report share.
protocol CapturedFrameWitness: AnyObject {
    /// How the witness names a node (by name, or by index in a split run's share).
    associatedtype NodeRef
    func captured(node: NodeRef, interface: CapturedInterface, frame: Int?, time: Int64, packet: CapturedFrame)
}

extension RunRecorder: CapturedFrameWitness {
    typealias NodeRef = RecorderNodeTrail
}

/// The sink that tells `witness` of every packet `base` is handed: a `FrameCountingCaptureSink`,
/// or for an interface whose packets are neither numbered nor kept (`base` discards them: a node
/// `--capture` left out) the smaller `UnnumberedCaptureWitness`, which holds no base and no count.
/// A generated hub's clients are mostly such nodes: two sinks each, 100,000 times.
func frameWitnessingSink<Witness: CapturedFrameWitness>(node: Witness.NodeRef, interface: CapturedInterface, base: CaptureSink,
                                                        numbered: Bool, witness: Witness) -> CaptureSink {
    if !numbered && base is DiscardingCaptureSink {
        switch interface {
        case .eth0: return UnnumberedEth0Witness(node: node, witness: witness)
        case .wg0: return UnnumberedWG0Witness(node: node, witness: witness)
        case .other: return UnnumberedCaptureWitness(node: node, witness: witness)
        }
    }
    return FrameCountingCaptureSink(node: node, interface: interface, base: base, numbered: numbered, witness: witness)
}

/// A capture sink that only tells its witness of each packet, with no frame number: the packets
/// go nowhere else (`frameWitnessingSink`). The interface is told by the subclass (eth0, wg0;
/// this class itself: another), not stored: a node's name and the witness then make 40 bytes,
/// a 48-byte malloc chunk, where one more byte took a 64-byte one, twice per hub client.
class UnnumberedCaptureWitness<Witness: CapturedFrameWitness>: CaptureSink {
    private let node: Witness.NodeRef
    private unowned let witness: Witness

    init(node: Witness.NodeRef, witness: Witness) {
        self.node = node
        self.witness = witness
    }

    var interface: CapturedInterface { .other }

    final func capture(time: Int64, packet: [UInt8]) {
        witness.captured(node: node, interface: interface, frame: nil, time: time, packet: .packet(packet))
    }

    /// Datagrams are taken by their parts: nothing here needs their bytes (a sealed one's seal
    /// is then left to the capture lane, `PendingTransportSeal`).
    final var wantsDatagramBytes: Bool { false }

    final func captureDatagram(time: Int64, from source: Endpoint, to destination: Endpoint, payload: [UInt8]) {
        witness.captured(node: node, interface: interface, frame: nil, time: time,
                         packet: .datagram(from: source, to: destination, payload: payload))
    }

    final func captureDatagram(time: Int64, from source: Endpoint, to destination: Endpoint, sealing seal: PendingTransportSeal) {
        witness.captured(node: node, interface: interface, frame: nil, time: time,
                         packet: .datagram(from: source, to: destination, payload: seal.unsealed))
    }
}

/// `UnnumberedCaptureWitness` of an eth0.
final class UnnumberedEth0Witness<Witness: CapturedFrameWitness>: UnnumberedCaptureWitness<Witness> {
    override var interface: CapturedInterface { .eth0 }
}

/// `UnnumberedCaptureWitness` of a wg0.
final class UnnumberedWG0Witness<Witness: CapturedFrameWitness>: UnnumberedCaptureWitness<Witness> {
    override var interface: CapturedInterface { .wg0 }
}

/// A capture sink that hands each packet on and tells its witness the packet's frame number
/// (nil for an interface whose packets are not written to a file).
final class FrameCountingCaptureSink<Witness: CapturedFrameWitness>: CaptureSink {
    private let base: CaptureSink
    private let node: Witness.NodeRef
    private let interface: CapturedInterface
    private let numbered: Bool
    private var frames = 0
    private unowned let witness: Witness

    init(node: Witness.NodeRef, interface: CapturedInterface, base: CaptureSink, numbered: Bool, witness: Witness) {
        self.base = base
        self.node = node
        self.interface = interface
        self.numbered = numbered
        self.witness = witness
    }

    func capture(time: Int64, packet: [UInt8]) {
        base.capture(time: time, packet: packet)
        frames += 1
        witness.captured(node: node, interface: interface, frame: numbered ? frames : nil, time: time, packet: .packet(packet))
    }

    /// Datagrams by their parts when the sink it wraps takes them so.
    var wantsDatagramBytes: Bool { base.wantsDatagramBytes }

    func captureDatagram(time: Int64, from source: Endpoint, to destination: Endpoint, payload: [UInt8]) {
        base.captureDatagram(time: time, from: source, to: destination, payload: payload)
        frames += 1
        witness.captured(node: node, interface: interface, frame: numbered ? frames : nil, time: time,
                         packet: .datagram(from: source, to: destination, payload: payload))
    }

    func captureDatagram(time: Int64, from source: Endpoint, to destination: Endpoint, sealing seal: PendingTransportSeal) {
        base.captureDatagram(time: time, from: source, to: destination, sealing: seal)
        frames += 1
        witness.captured(node: node, interface: interface, frame: numbered ? frames : nil, time: time,
                         packet: .datagram(from: source, to: destination, payload: seal.unsealed))
    }
}
