// The cryptographic work a simulated packet and a simulated session cannot avoid, measured with
// the same WireGuard calls the Device makes: SimBench sets the pipeline's figures beside these
// floors, and CryptoBench holds the calls to the raw libsodium bound.
import Foundation
import WireGuard

/// Complete handshakes: initiator creates, responder consumes and answers, initiator consumes
/// and sends the first (keepalive) transport message, responder opens it. Both sides' work,
/// as a simulation does it when both peers are simulated nodes.
public func fullHandshakes(count: Int) -> UInt64 {
    var random = SeededRandom(seed: 1, label: "CryptoBench")
    let initiator = StaticIdentity(privateKey: PrivateKey.generate(using: &random))
    let responder = StaticIdentity(privateKey: PrivateKey.generate(using: &random))
    // Computed once per peer, as the kernel does (wg_noise_precompute_static_static).
    let staticShared = (try? Noise.staticShared(local: initiator, remote: responder.publicKey)) ?? []
    var acc: UInt64 = 0
    var message = [UInt8](), plain = [UInt8]()
    for i in 0..<count {
        do {
            let (initiation, state) = try Noise.createInitiation(
                local: initiator, remote: responder.publicKey, presharedKey: .zero, senderIndex: UInt32(i),
                ephemeral: PrivateKey.generate(using: &random), timestamp: TAI64N(unixNanoseconds: Int64(i) * 1_000_000_000),
                staticShared: staticShared)
            let consumed = try Noise.consumeInitiation(initiation, local: responder) { _ in staticShared }
            let (response, responderKeys) = try Noise.createResponse(
                to: consumed, local: responder, presharedKey: .zero, senderIndex: UInt32(i) ^ 0xffff,
                ephemeral: PrivateKey.generate(using: &random))
            let keys = try Noise.consumeResponse(response, state: state, local: initiator, presharedKey: .zero)
            try Transport.seal(plaintext: [], key: keys.sending, receiverIndex: keys.remoteIndex, counter: 0, into: &message)
            acc &+= try Transport.open(message, key: responderKeys.receiving, into: &plain).counter + 1
        } catch {
            print("handshake failed: \(error)")
        }
    }
    return acc
}

/// The static-static DH of a peer pair (`wg_noise_precompute_static_static`), `count` times:
/// computed once per peer on each side, so a pair's first session costs two of these on top of
/// `fullHandshakes`' work.
public func staticSharedDerivations(count: Int) -> UInt64 {
    var random = SeededRandom(seed: 2, label: "CryptoBench")
    let local = StaticIdentity(privateKey: PrivateKey.generate(using: &random))
    let remote = PrivateKey.generate(using: &random).publicKey
    var acc: UInt64 = 0
    for _ in 0..<count {
        acc &+= UInt64((try? Noise.staticShared(local: local, remote: remote))?.first ?? 0) &+ 1
    }
    return acc
}

/// Which AEAD steps `transportAEAD` times.
public enum TransportSteps {
    /// Seal each packet and open the message again: what every simulated packet costs in AEAD.
    case sealAndOpen
    /// The seal alone.
    case seal
    /// The open alone, of messages sealed once beforehand (one per size).
    case open
}

/// Runs `steps` on one packet of each size in `sizes`, `rounds` times over, through `Transport`
/// (header, padding to 16, ChaCha20-Poly1305): the AEAD a simulated packet costs, whatever the
/// simulator around it does.
public func transportAEAD(_ steps: TransportSteps, sizes: [Int], rounds: Int, mtu: Int = 1420) -> UInt64 {
    let key = [UInt8](repeating: 0x42, count: 32)
    let packets = sizes.map { [UInt8](repeating: 0xab, count: $0) }
    var message = [UInt8](), plain = [UInt8]()
    message.reserveCapacity(mtu + 64)
    plain.reserveCapacity(mtu + 64)
    var sealed: [[UInt8]] = []
    if steps == .open {
        for (i, packet) in packets.enumerated() {
            try? Transport.seal(packet: packet, mtu: mtu, key: key, receiverIndex: 7, counter: UInt64(i), into: &message)
            sealed.append(message)
        }
    }
    var acc: UInt64 = 0
    for round in 0..<rounds {
        for (i, packet) in packets.enumerated() {
            do {
                switch steps {
                case .sealAndOpen:
                    try Transport.seal(packet: packet, mtu: mtu, key: key, receiverIndex: 7, counter: UInt64(round), into: &message)
                    acc &+= try Transport.open(message, key: key, into: &plain).counter &+ UInt64(plain.count)
                case .seal:
                    try Transport.seal(packet: packet, mtu: mtu, key: key, receiverIndex: 7, counter: UInt64(round), into: &message)
                    acc &+= UInt64(message[message.count - 1])
                case .open:
                    acc &+= try Transport.open(sealed[i], key: key, into: &plain).counter &+ UInt64(plain.count)
                }
            } catch {
                print("transport failed: \(error)")
            }
        }
    }
    return acc
}

/// CPU seconds this thread has used (the simulator is single-threaded, so this is its time).
public func threadCPUSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

/// Median CPU seconds of one call of `body`, over `runs` calls after one warm-up call.
public func medianCPUSeconds(runs: Int, _ body: () -> UInt64) -> Double {
    var sink: UInt64 = body()
    var times: [Double] = []
    for _ in 0..<max(1, runs) {
        let start = threadCPUSeconds()
        sink &+= body()
        times.append(threadCPUSeconds() - start)
    }
    if sink == 0x5eed_5eed_5eed_5eed { print("") }  // keeps the work observable to the optimiser
    return times.sorted()[times.count / 2]
}
