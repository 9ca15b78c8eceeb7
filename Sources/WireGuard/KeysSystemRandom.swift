import CSodium

extension PrivateKey {
    /// A new private key from the operating system's randomness (libsodium `randombytes_buf`),
    /// clamped like `wg genkey`. Only for `wgsim genkey`, whose keys configure real devices:
    /// the protocol code and the simulator never call this — they draw from `SeededRandom`
    /// so that runs stay deterministic.
    public static func generateFromSystemRandomness() -> PrivateKey {
        ensureSodium()
        var raw = [UInt8](repeating: 0, count: 32)
        randombytes_buf(&raw, raw.count)
        return PrivateKey(unchecked: clamp(raw))
    }
}
