import CSodium
import WireGuard

let benchKey = [UInt8](repeating: 0x42, count: 32)

/// The raw libsodium call on `size` bytes: the reference the transport path is held to.
func rawAEADSeal(size: Int, count: Int) -> UInt64 {
    let plaintext = [UInt8](repeating: 0xab, count: size)
    var out = [UInt8](repeating: 0, count: size + 16)
    var nonce = [UInt8](repeating: 0, count: 12)
    var acc: UInt64 = 0
    for i in 0..<count {
        nonce[4] = UInt8(truncatingIfNeeded: i)
        _ = crypto_aead_chacha20poly1305_ietf_encrypt(&out, nil, plaintext, UInt64(size), nil, 0, nil, nonce, benchKey)
        acc &+= UInt64(out[size])
    }
    return acc
}

func rawAEADOpen(size: Int, count: Int) -> UInt64 {
    let plaintext = [UInt8](repeating: 0xab, count: size)
    var sealed = [UInt8](repeating: 0, count: size + 16)
    let nonce = [UInt8](repeating: 0, count: 12)
    _ = crypto_aead_chacha20poly1305_ietf_encrypt(&sealed, nil, plaintext, UInt64(size), nil, 0, nil, nonce, benchKey)
    var out = [UInt8](repeating: 0, count: size)
    var acc: UInt64 = 0
    for _ in 0..<count {
        acc &+= UInt64(crypto_aead_chacha20poly1305_ietf_decrypt(&out, nil, nil, sealed, UInt64(sealed.count), nil, 0,
                                                                 nonce, benchKey) + 1)
    }
    return acc
}

/// Our send path per packet: header + copy + zero padding + seal, into one reused buffer
/// (`Transport.seal(packet:mtu:…)`, no allocation).
func transportSeal(size: Int, count: Int) -> UInt64 {
    let packet = [UInt8](repeating: 0xab, count: size)
    var buffer = [UInt8]()
    buffer.reserveCapacity(16 + 1420 + 16)
    var acc: UInt64 = 0
    for i in 0..<count {
        // benchKey is a fixed 32-byte key, so sealing cannot fail.
        try! Transport.seal(packet: packet, mtu: 1420, key: benchKey, receiverIndex: 7, counter: UInt64(i), into: &buffer)
        acc &+= UInt64(buffer[buffer.count - 1])
    }
    return acc
}

/// Our receive path per packet: parse the header and open into one reused buffer.
func transportOpen(size: Int, count: Int) -> UInt64 {
    let padded = Transport.paddedLength(size, mtu: 1420)
    var message = [UInt8]()
    try! Transport.seal(plaintext: [UInt8](repeating: 0xab, count: padded), key: benchKey, receiverIndex: 7, counter: 9,
                   into: &message)
    var out = [UInt8]()
    out.reserveCapacity(1500)
    var acc: UInt64 = 0
    for _ in 0..<count {
        if let header = try? Transport.open(message, key: benchKey, into: &out) { acc &+= header.counter }
    }
    return acc
}

func rawX25519(count: Int) -> UInt64 {
    var out = [UInt8](repeating: 0, count: 32)
    var scalar = [UInt8](repeating: 0x33, count: 32)
    let point = [UInt8](repeating: 9, count: 1) + [UInt8](repeating: 0, count: 31)
    var acc: UInt64 = 0
    for i in 0..<count {
        scalar[0] = UInt8(truncatingIfNeeded: i)
        _ = crypto_scalarmult_curve25519(&out, scalar, point)
        acc &+= UInt64(out[0])
    }
    return acc
}

/// 1024 distinct private keys (as `wg genkey` makes them), cycled through by the two key
/// workloads below so that both derive from the same scalars.
let benchPrivateKeys: [PrivateKey] = {
    var random = SeededRandom(seed: 3, label: "CryptoBench/static-keys")
    return (0..<1024).map { _ in PrivateKey.generate(using: &random) }
}()

/// libsodium's fixed-base X25519 (`crypto_scalarmult_curve25519_base`), `count` keys: what the
/// load used to derive each node's static public key with, and what a handshake's ephemeral
/// public key still costs.
func rawSodiumPublicKeys(count: Int) -> UInt64 {
    // As the project calls it: after `sodium_init()` (every WireGuard crypto call makes sure of
    // it), libsodium picks its AVX "sandy2x" ladder for this; before, its table-based ref10 code
    // runs, about twice as fast here but not what the shared library gives a caller that
    // initialised it.
    _ = sodium_init()
    let scalars = benchPrivateKeys.map(\.bytes)
    var out = [UInt8](repeating: 0, count: 32)
    var acc: UInt64 = 0
    for i in 0..<count {
        _ = crypto_scalarmult_curve25519_base(&out, scalars[i & 1023])
        acc &+= UInt64(out[0])
    }
    return acc
}

/// `PrivateKey.publicKey`, `count` keys: the static public key derivation the load, `wgsim
/// pubkey` and the config reader use (`StaticPublicKey`, swift-crypto's BoringSSL), the same
/// function `KeyPairJob` and SimBench's key floor run.
func staticPublicKeys(count: Int) -> UInt64 {
    var acc: UInt64 = 0
    for i in 0..<count {
        acc &+= UInt64(benchPrivateKeys[i & 1023].publicKey.bytes[0])
    }
    return acc
}
