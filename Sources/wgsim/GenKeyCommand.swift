import ArgumentParser
import WireGuard

/// `wgsim genkey`: prints a new base64 private key, byte-compatible with `wg genkey`
/// (32 random bytes from libsodium, clamped as Curve25519 requires).
struct GenKeyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "genkey",
        abstract: "Print a new random private key (base64), like `wg genkey`.")

    func run() throws {
        FileHandleOutput.standardOutput(PrivateKey.generateFromSystemRandomness().base64 + "\n")
    }
}
