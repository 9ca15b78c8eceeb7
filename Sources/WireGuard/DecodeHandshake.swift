import Routing

/// What the capture decoder derived for one handshake, from whichever side's secrets the key log
/// holds. The rules are Wireshark's (packet-wireguard.c `wg_process_initiation`,
/// `wg_process_response`): the initiation needs Spub_r (found by MAC1) plus Spriv_r, or
/// Epriv_i + Spriv_i; the response needs Epriv_i + Spriv_i, or Epriv_r; PSKs are tried from the
/// initiator's ephemeral line, then the responder's, then all zeros.
struct DecodeHandshake {
    let responderStatic: DecodeKeys.StaticKey
    let initiatorEphemeral: PublicKey
    let initiatorEphemeralKey: DecodeKeys.EphemeralKey?
    /// The initiator's static public key once the encrypted static field decrypted.
    var initiatorStatic: DecodeKeys.StaticKey?
    var timestamp: TAI64N?
    /// `C` and `H` after the initiation (only when its timestamp decrypted).
    var afterInitiation: SymmetricState?
    /// Why the initiation did not fully validate.
    var initiationProblem: String?

    var responseProcessed = false
    var responseOK = false
    var responseProblem: String?
    /// Transport keys, by who receives with them.
    var initiatorReceiving: [UInt8]?
    var responderReceiving: [UInt8]?

    /// Builds the state if the key log can possibly decrypt this initiation (Wireshark
    /// `wg_prepare_handshake_keys`): Spriv_r known, or the ephemeral key in the log.
    init?(initiation message: [UInt8], responder: DecodeKeys.StaticKey, keys: DecodeKeys) {
        let ephemeralBytes = Array(message[HandshakeInitiation.ephemeralOffset..<HandshakeInitiation.staticOffset])
        let ephemeralKey = keys.ephemeral(ephemeralBytes)
        guard responder.privateKey != nil || ephemeralKey != nil else { return nil }
        responderStatic = responder
        initiatorEphemeral = PublicKey(unchecked: ephemeralBytes)
        initiatorEphemeralKey = ephemeralKey
        processInitiation(message, keys: keys)
    }

    private mutating func processInitiation(_ message: [UInt8], keys: DecodeKeys) {
        let parsed: HandshakeInitiation
        do { parsed = try HandshakeInitiation(parsing: message) } catch {
            initiationProblem = "\(error)"
            return
        }
        var state = SymmetricState(responderStatic: responderStatic.publicKey)
        state.mixEphemeral(parsed.ephemeral)
        guard let es = dhWithResponderStatic(initiatorEphemeral, otherPrivate: initiatorEphemeralKey?.privateKey) else {
            initiationProblem = "neither the responder's static private key nor the initiator's ephemeral private key is in the key log"
            return
        }
        var key = state.mixKey(es)
        guard let staticBytes = try? state.decryptAndHash(key: key, parsed.encryptedStatic) else {
            initiationProblem = "encrypted static key does not decrypt with these keys"
            return
        }
        let initiator = PublicKey(unchecked: staticBytes)
        let known = keys.staticKey(initiator)
        initiatorStatic = known ?? DecodeKeys.StaticKey(publicKey: initiator, privateKey: nil, mac1Key: Mac1.key(for: initiator))
        guard let ss = dhWithResponderStatic(initiator, otherPrivate: known?.privateKey) else {
            initiationProblem = "static key decrypted (\(initiator.base64)) but the timestamp needs the initiator's static private key"
            return
        }
        key = state.mixKey(ss)
        guard let stamp = try? state.decryptAndHash(key: key, parsed.encryptedTimestamp),
              let time = try? TAI64N(bytes: stamp) else {
            initiationProblem = "encrypted timestamp does not decrypt with these keys"
            return
        }
        timestamp = time
        afterInitiation = state
    }

    /// Result of looking at a response for this handshake.
    enum ResponseOutcome { case processed, ignoredRepeat, cannotLink }

    /// Derives the transport keys from a response (Wireshark `wg_process_response`).
    mutating func processResponse(_ message: [UInt8], keys: DecodeKeys) -> ResponseOutcome {
        // Wireshark asserts the initiator's static key is known here; the failed assertion aborts
        // the frame before the response is linked to the initiation.
        guard let initiatorStatic else { return .cannotLink }
        if initiatorReceiving != nil { return .ignoredRepeat }
        responseProcessed = true
        guard let parsed = try? HandshakeResponse(parsing: message) else {
            responseProblem = "malformed response"
            return .processed
        }
        let responderEphemeral = PublicKey(unchecked: parsed.ephemeral)
        let responderEphemeralKey = keys.ephemeral(parsed.ephemeral)
        let initiatorSide: (PrivateKey, PrivateKey)?
        if let e = initiatorEphemeralKey?.privateKey, let s = initiatorStatic.privateKey { initiatorSide = (e, s) } else {
            initiatorSide = nil
        }
        guard initiatorSide != nil || responderEphemeralKey != nil else {
            responseProblem = "needs the initiator's ephemeral and static private keys, or the responder's ephemeral private key"
            return .processed
        }
        let zero = [UInt8](repeating: 0, count: 32)
        var state = afterInitiation ?? SymmetricState(chainingKey: zero, hash: zero)
        state.mixEphemeral(parsed.ephemeral)
        if let (ephemeral, staticKey) = initiatorSide {
            state.mixChain(DecodeHandshake.dh(ephemeral, responderEphemeral))
            state.mixChain(DecodeHandshake.dh(staticKey, responderEphemeral))
        } else if let responderKey = responderEphemeralKey?.privateKey {
            state.mixChain(DecodeHandshake.dh(responderKey, initiatorEphemeral))
            state.mixChain(DecodeHandshake.dh(responderKey, initiatorStatic.publicKey))
        }
        let candidates = (initiatorEphemeralKey?.presharedKeys ?? []) + (responderEphemeralKey?.presharedKeys ?? [])
            + [PresharedKey.zero]
        for psk in candidates {
            var attempt = state
            let key = attempt.mixPresharedKey(psk)
            guard (try? attempt.decryptAndHash(key: key, parsed.encryptedNothing)) != nil else { continue }
            let (initiatorSending, responderSending) = attempt.transportKeys()
            initiatorReceiving = responderSending
            responderReceiving = initiatorSending
            responseOK = true
            return .processed
        }
        responseProblem = afterInitiation == nil
            ? "the initiation did not validate, so the response cannot be checked"
            : "encrypted empty field does not authenticate with any preshared key in the key log (or none)"
        return .processed
    }

    /// X25519 as Wireshark uses it while interpreting a trace: an all-zero result is not an
    /// error here, it simply makes the following decryption fail.
    /// DH(Spriv_r, `other`), which equals DH(private half of `other`, Spub_r): computed from
    /// whichever of the two private keys the key log holds, nil when it holds neither.
    private func dhWithResponderStatic(_ other: PublicKey, otherPrivate: PrivateKey?) -> [UInt8]? {
        if let responderPrivate = responderStatic.privateKey { return Self.dh(responderPrivate, other) }
        if let otherPrivate { return Self.dh(otherPrivate, responderStatic.publicKey) }
        return nil
    }

    static func dh(_ privateKey: PrivateKey, _ publicKey: PublicKey) -> [UInt8] {
        (try? X25519.sharedSecret(privateKey: privateKey, publicKey: publicKey)) ?? [UInt8](repeating: 0, count: 32)
    }
}

/// One handshake as the decoder links messages to it (Wireshark `wg_session_t`): the initiation's
/// frame and source, and once answered, the answer's frame and source.
final class DecodeSession {
    let initiatorFrame: Int
    var responseFrame: Int?
    var initiatorEndpoint: Endpoint
    var responderEndpoint: Endpoint?
    var handshake: DecodeHandshake?
    /// Where Wireshark's per-index lists hold this session: (index, insertion position), the
    /// initiator's sender index first, then the responder's once a response links it.
    var memberships: [(index: UInt32, position: Int)] = []

    init(initiatorFrame: Int, initiatorEndpoint: Endpoint, handshake: DecodeHandshake?) {
        self.initiatorFrame = initiatorFrame
        self.initiatorEndpoint = initiatorEndpoint
        self.handshake = handshake
    }
}
