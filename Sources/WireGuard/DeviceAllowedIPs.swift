import Routing

/// A peer is one object per device and public key (re-adding a removed key makes a new one, and
/// a removed peer owns no prefixes), so identity equals key equality for the allowed-IPs table;
/// hashing the object's address is cheaper than hashing its 32-byte key.
extension Peer: Hashable {
    static func == (a: Peer, b: Peer) -> Bool { a === b }
    func hash(into hasher: inout Hasher) { hasher.combine(ObjectIdentifier(self)) }
}

/// A read-only view of a device's cryptokey routing table that names peers by public key.
/// The device's own table maps prefixes to its `Peer` objects, so the send path finds the peer
/// without hashing a key; this view translates answers back for the simulator and tests.
public struct DeviceAllowedIPs {
    let routes: AllowedIPs<Peer>

    /// The public key of the peer whose longest matching prefix contains `address` (§1.7), or nil.
    public func lookup(_ address: IPAddress) -> PublicKey? { routes.lookup(address)?.publicKey }

    /// Every entry whose prefix contains `address`, most specific first (the first is the winner).
    public func explain(_ address: IPAddress) -> [(prefix: IPPrefix, peer: PublicKey)] {
        routes.explain(address).map { ($0.prefix, $0.peer.publicKey) }
    }
}
