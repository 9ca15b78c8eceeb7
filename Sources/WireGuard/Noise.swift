/// Why a handshake message was not accepted; each case names the step that failed
/// [wireguard-behaviour.md §4.3].
public enum HandshakeError: Error, Equatable, CustomStringConvertible {
    case malformed(MessageError)
    /// MAC1 is not `MAC(HASH("mac1----" || our static public), message)`.
    case invalidMac1
    /// The initiation's encrypted static key did not authenticate (not meant for us, or altered).
    case staticDecryptionFailed
    /// The initiation's encrypted timestamp did not authenticate (wrong static key pairing).
    case timestampDecryptionFailed
    /// The response's encrypted-nothing field did not authenticate (wrong PSK or keys).
    case responseAuthenticationFailed
    /// A Diffie-Hellman result was all zeros (low-order point): the kernel aborts.
    case zeroSharedSecret
    /// A response whose receiver index is not our pending initiation's sender index.
    case receiverIndexMismatch(expected: UInt32, actual: UInt32)

    public var description: String {
        switch self {
        case .malformed(let e): return "malformed message: \(e)"
        case .invalidMac1: return "mac1 does not verify"
        case .staticDecryptionFailed: return "encrypted static key does not decrypt"
        case .timestampDecryptionFailed: return "encrypted timestamp does not decrypt"
        case .responseAuthenticationFailed: return "encrypted empty field does not authenticate (wrong preshared key?)"
        case .zeroSharedSecret: return "X25519 result is all zeros"
        case let .receiverIndexMismatch(expected, actual):
            return "response is for index \(actual), pending initiation has \(expected)"
        }
    }
}

/// A device's long-term key pair (the public half computed once).
public struct StaticIdentity: Sendable {
    public let privateKey: PrivateKey
    public let publicKey: PublicKey
    public init(privateKey: PrivateKey) {
        self.privateKey = privateKey
        self.publicKey = privateKey.publicKey
    }
}

/// What the initiator keeps between sending an initiation and consuming the response.
public struct InitiatorHandshake: Sendable {
    public let chainingKey: [UInt8]
    public let hash: [UInt8]
    public let ephemeralPrivate: PrivateKey
    /// Our sender index, which the response must carry as its receiver index.
    public let localIndex: UInt32
    public let remoteStatic: PublicKey
}

/// A verified initiation, as the responder sees it: who sent it and the state to answer it.
/// The caller looks the peer up by `initiatorStatic`, applies the timestamp replay and flood
/// checks (§4.4) and picks the PSK before calling `Noise.createResponse`.
public struct ConsumedInitiation: Sendable {
    public let initiatorStatic: PublicKey
    public let initiatorIndex: UInt32
    public let timestamp: TAI64N
    public let initiatorEphemeral: PublicKey
    public let chainingKey: [UInt8]
    public let hash: [UInt8]
}

/// The transport keys a completed handshake yields, with the indices that name them: packets we
/// send carry `remoteIndex` as receiver index; packets for us carry `localIndex`.
public struct SessionKeys: Equatable, Sendable {
    public let sending: [UInt8]
    public let receiving: [UInt8]
    public let localIndex: UInt32
    public let remoteIndex: UInt32
    /// Whether we were the initiator (only the initiator may send at once, §4.8).
    public let isInitiator: Bool
}

/// Noise_IKpsk2 as WireGuard uses it, sans-IO: every key, index and timestamp is passed in
/// [wireguard-behaviour.md §4.3; compat src/noise.c].
public enum Noise {
    /// `DH(Spriv_local, Spub_remote)`, which the kernel computes once per peer
    /// (`wg_noise_precompute_static_static`) and passes to every handshake with that peer. An
    /// all-zero result throws `zeroSharedSecret`: the kernel refuses such a peer.
    public static func staticShared(local: StaticIdentity, remote: PublicKey) throws -> [UInt8] {
        try dh(local.privateKey, remote)
    }

    /// Builds an initiation to `remote` (148 bytes, MAC1 set, MAC2 zero: the cookie layer adds MAC2).
    /// `staticShared`, if given, is the peer's precomputed `staticShared(local:remote:)`.
    public static func createInitiation(local: StaticIdentity, remote: PublicKey, presharedKey: PresharedKey,
                                        senderIndex: UInt32, ephemeral: PrivateKey, timestamp: TAI64N,
                                        staticShared: [UInt8]? = nil) throws -> (message: [UInt8], state: InitiatorHandshake) {
        var state = SymmetricState(responderStatic: remote)
        let ephemeralPublic = ephemeral.ephemeralPublicKey
        state.mixEphemeral(ephemeralPublic.bytes)
        var key = state.mixKey(try dh(ephemeral, remote))                                  // es
        let encryptedStatic = try state.encryptAndHash(key: key, local.publicKey.bytes)
        key = state.mixKey(try staticShared ?? dh(local.privateKey, remote))               // ss
        let encryptedTimestamp = try state.encryptAndHash(key: key, timestamp.bytes)
        var message = HandshakeInitiation(senderIndex: senderIndex, ephemeral: ephemeralPublic.bytes,
                                          encryptedStatic: encryptedStatic,
                                          encryptedTimestamp: encryptedTimestamp).bytes
        Mac1.write(into: &message, key: Mac1.key(for: remote))
        let pending = InitiatorHandshake(chainingKey: state.chainingKey, hash: state.hash, ephemeralPrivate: ephemeral,
                                         localIndex: senderIndex, remoteStatic: remote)
        return (message, pending)
    }

    /// Verifies MAC1 and decrypts an initiation addressed to `local`. `staticShared` may return
    /// the precomputed `DH(Spriv_local, Spub_initiator)` of a known peer (nil: compute it).
    public static func consumeInitiation(_ message: [UInt8], local: StaticIdentity,
                                         staticShared: (PublicKey) -> [UInt8]? = { _ in nil }) throws -> ConsumedInitiation {
        let parsed = try parse(message, HandshakeInitiation.init(parsing:))
        guard Mac1.verify(message, key: Mac1.key(for: local.publicKey)) else { throw HandshakeError.invalidMac1 }
        var state = SymmetricState(responderStatic: local.publicKey)
        state.mixEphemeral(parsed.ephemeral)
        let initiatorEphemeral = PublicKey(unchecked: parsed.ephemeral)
        var key = state.mixKey(try dh(local.privateKey, initiatorEphemeral))               // es
        guard let staticBytes = try? state.decryptAndHash(key: key, parsed.encryptedStatic) else {
            throw HandshakeError.staticDecryptionFailed
        }
        let initiatorStatic = PublicKey(unchecked: staticBytes)
        key = state.mixKey(try staticShared(initiatorStatic) ?? dh(local.privateKey, initiatorStatic)) // ss
        guard let stamp = try? state.decryptAndHash(key: key, parsed.encryptedTimestamp) else {
            throw HandshakeError.timestampDecryptionFailed
        }
        return ConsumedInitiation(initiatorStatic: initiatorStatic, initiatorIndex: parsed.senderIndex,
                                  timestamp: try TAI64N(bytes: stamp), initiatorEphemeral: initiatorEphemeral,
                                  chainingKey: state.chainingKey, hash: state.hash)
    }

    /// Builds the response to a consumed initiation (92 bytes, MAC1 set, MAC2 zero) and derives
    /// the responder's transport keys (they go into the peer's `next` slot, §4.8).
    public static func createResponse(to initiation: ConsumedInitiation, local: StaticIdentity,
                                      presharedKey: PresharedKey, senderIndex: UInt32,
                                      ephemeral: PrivateKey) throws -> (message: [UInt8], keys: SessionKeys) {
        var state = SymmetricState(chainingKey: initiation.chainingKey, hash: initiation.hash)
        let ephemeralPublic = ephemeral.ephemeralPublicKey
        state.mixEphemeral(ephemeralPublic.bytes)
        state.mixChain(try dh(ephemeral, initiation.initiatorEphemeral))                    // ee
        state.mixChain(try dh(ephemeral, initiation.initiatorStatic))                       // se
        let key = state.mixPresharedKey(presharedKey)                                       // psk
        let encryptedNothing = try state.encryptAndHash(key: key, [])
        var message = HandshakeResponse(senderIndex: senderIndex, receiverIndex: initiation.initiatorIndex,
                                        ephemeral: ephemeralPublic.bytes, encryptedNothing: encryptedNothing).bytes
        Mac1.write(into: &message, key: Mac1.key(for: initiation.initiatorStatic))
        let (initiatorSending, responderSending) = state.transportKeys()
        let keys = SessionKeys(sending: responderSending, receiving: initiatorSending, localIndex: senderIndex,
                               remoteIndex: initiation.initiatorIndex, isInitiator: false)
        return (message, keys)
    }

    /// Verifies MAC1 and authenticates a response to our pending initiation; derives our keys.
    public static func consumeResponse(_ message: [UInt8], state pending: InitiatorHandshake, local: StaticIdentity,
                                       presharedKey: PresharedKey) throws -> SessionKeys {
        let parsed = try parse(message, HandshakeResponse.init(parsing:))
        guard parsed.receiverIndex == pending.localIndex else {
            throw HandshakeError.receiverIndexMismatch(expected: pending.localIndex, actual: parsed.receiverIndex)
        }
        guard Mac1.verify(message, key: Mac1.key(for: local.publicKey)) else { throw HandshakeError.invalidMac1 }
        var state = SymmetricState(chainingKey: pending.chainingKey, hash: pending.hash)
        let responderEphemeral = PublicKey(unchecked: parsed.ephemeral)
        state.mixEphemeral(parsed.ephemeral)
        state.mixChain(try dh(pending.ephemeralPrivate, responderEphemeral))                // ee
        state.mixChain(try dh(local.privateKey, responderEphemeral))                        // se
        let key = state.mixPresharedKey(presharedKey)                                       // psk
        guard (try? state.decryptAndHash(key: key, parsed.encryptedNothing)) != nil else {
            throw HandshakeError.responseAuthenticationFailed
        }
        let (initiatorSending, responderSending) = state.transportKeys()
        return SessionKeys(sending: initiatorSending, receiving: responderSending, localIndex: pending.localIndex,
                           remoteIndex: parsed.senderIndex, isInitiator: true)
    }

    static func dh(_ privateKey: PrivateKey, _ publicKey: PublicKey) throws -> [UInt8] {
        do { return try X25519.sharedSecret(privateKey: privateKey, publicKey: publicKey) } catch {
            throw HandshakeError.zeroSharedSecret
        }
    }

    private static func parse<T>(_ message: [UInt8], _ parser: ([UInt8]) throws -> T) throws -> T {
        do { return try parser(message) } catch let error as MessageError { throw HandshakeError.malformed(error) }
    }
}
