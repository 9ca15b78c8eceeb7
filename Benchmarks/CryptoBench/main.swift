// CryptoBench: handshakes/s and per-packet transport seal/open next to the raw libsodium AEAD
// call on the same sizes, in the same run (docs/benchmarks.md, "Crypto and transport").
// Each run times the raw call and ours back to back, so the machine's noise hits both alike;
// the cost ratio is the median of the per-run ratios. `--smoke` runs tiny counts (CI).
import Foundation
import WireGuard
import BenchSupport

let smoke = CommandLine.arguments.contains("--smoke")
/// `--only transport`, `--only handshake` or `--only keys` runs one part (for profiling).
let only = CommandLine.arguments.firstIndex(of: "--only").flatMap { i in
    i + 1 < CommandLine.arguments.count ? CommandLine.arguments[i + 1] : nil
}
let runs = smoke ? 1 : 7
let packetsPerRun = smoke ? 2_000 : 300_000
let handshakesPerRun = smoke ? 10 : 1_000
let mtu = 1420

print("CryptoBench — \(smoke ? "smoke" : "full") mode; median [min–max] of \(runs) run(s)")
print("transport: \(packetsPerRun) packets per run, MTU \(mtu); handshakes: \(handshakesPerRun) per run")
print("")
for size in only == nil || only == "transport" ? [64, 512, 1420] : [] {
    let padded = Transport.paddedLength(size, mtu: mtu)
    let seal = measurePair(runs: runs, operations: packetsPerRun,
                           reference: { rawAEADSeal(size: padded, count: $0) },
                           ours: { transportSeal(size: size, count: $0) })
    print(line("raw AEAD encrypt, \(padded) B", seal.reference, unit: "ops/s"))
    print(line("Transport.seal(packet:), \(size) B + header + pad", seal.ours, unit: "pkts/s") + costLine(seal))
    let open = measurePair(runs: runs, operations: packetsPerRun,
                           reference: { rawAEADOpen(size: padded, count: $0) },
                           ours: { transportOpen(size: size, count: $0) })
    print(line("raw AEAD decrypt, \(padded) B", open.reference, unit: "ops/s"))
    print(line("Transport.open, \(size) B packet", open.ours, unit: "pkts/s") + costLine(open))
}
if only == nil || only == "handshake" {
print("")
let handshakes = measurePair(runs: runs, operations: handshakesPerRun,
                             reference: { rawX25519(count: $0 * 8) },
                             ours: { fullHandshakes(count: $0) })
print(line("raw X25519 × 8 (the bound of one handshake)", handshakes.reference, unit: "bounds/s"))
print(line("handshake: initiation → response → 1st transport", handshakes.ours, unit: "handshakes/s")
      + String(format: "  = %.0f %% of the bound", 100 / handshakes.medianRatio))
}
if only == nil || only == "keys" {
    // A node's static public key, derived once per node at load: libsodium (the reference, and
    // what the packet path's ephemeral keys use) against the function the load uses.
    let keysPerRun = smoke ? 200 : 20_000
    let keys = measurePair(runs: runs, operations: keysPerRun,
                           reference: { rawSodiumPublicKeys(count: $0) },
                           ours: { staticPublicKeys(count: $0) })
    func perKey(_ f: Figures) -> String {
        String(format: "  = %.1f µs a key [%.1f–%.1f]", 1e6 / f.median, 1e6 / f.max, 1e6 / f.min)
    }
    print("")
    print("static public keys: \(keysPerRun) per run")
    print(line("libsodium crypto_scalarmult_curve25519_base", keys.reference, unit: "keys/s") + perKey(keys.reference))
    print(line("PrivateKey.publicKey (swift-crypto, the load's)", keys.ours, unit: "keys/s") + perKey(keys.ours)
          + String(format: "  time %.2f× libsodium's", keys.medianRatio))
}
