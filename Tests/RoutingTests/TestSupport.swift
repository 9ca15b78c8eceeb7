import Routing
import XCTest

/// A fixed-seed SplitMix64 generator: the tests' only source of randomness (deterministic runs).
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE5_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// The reference the trie is checked against: a plain list of (prefix, peer) with the kernel's
/// visible rules written the obvious way — exact prefixes are unique, a re-insert moves the entry
/// to the new owner's tail, lookup takes the longest matching prefix.
struct NaiveAllowedIPs<Peer: Hashable> {
    private(set) var entries: [(prefix: IPPrefix, peer: Peer)] = []
    /// Per peer, its prefixes in list order.
    private(set) var order: [Peer: [IPPrefix]] = [:]

    mutating func insert(_ prefix: IPPrefix, for peer: Peer) {
        if let i = entries.firstIndex(where: { $0.prefix == prefix }) {
            let old = entries[i].peer
            order[old]?.removeAll { $0 == prefix }
            if order[old]?.isEmpty == true { order[old] = nil }
            entries.remove(at: i)
        }
        entries.append((prefix, peer))
        order[peer, default: []].append(prefix)
    }

    @discardableResult
    mutating func remove(_ prefix: IPPrefix, for peer: Peer) -> Bool {
        guard let i = entries.firstIndex(where: { $0.prefix == prefix && $0.peer == peer }) else { return false }
        entries.remove(at: i)
        order[peer]?.removeAll { $0 == prefix }
        if order[peer]?.isEmpty == true { order[peer] = nil }
        return true
    }

    mutating func removeAll(for peer: Peer) {
        entries.removeAll { $0.peer == peer }
        order[peer] = nil
    }

    func lookup(_ address: IPAddress) -> (prefix: IPPrefix, peer: Peer)? {
        var best: (prefix: IPPrefix, peer: Peer)? = nil
        for entry in entries where entry.prefix.contains(address) {
            if best == nil || entry.prefix.length > best!.prefix.length { best = entry }
        }
        return best
    }

    func matches(_ address: IPAddress) -> [IPPrefix] {
        entries.filter { $0.prefix.contains(address) }.map(\.prefix).sorted { $0.length > $1.length }
    }
}

/// Address and prefix shorthands for the tests.
func ip(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> IPAddress {
    do { return try IPAddress(parsing: text) } catch {
        XCTFail("\(error)", file: file, line: line)
        return .v4(IPv4Address(0))
    }
}

func prefix(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> IPPrefix {
    do { return try IPPrefix(parsing: text) } catch {
        XCTFail("\(error)", file: file, line: line)
        return .allIPv4
    }
}

/// An IPv6 address from four 32-bit words, the way the kernel selftest writes them.
func ip6(_ a: UInt32, _ b: UInt32, _ c: UInt32, _ d: UInt32) -> IPAddress {
    .v6(IPv6Address(high: UInt64(a) << 32 | UInt64(b), low: UInt64(c) << 32 | UInt64(d)))
}

func prefix6(_ a: UInt32, _ b: UInt32, _ c: UInt32, _ d: UInt32, _ length: Int) -> IPPrefix {
    (try? IPPrefix(address: ip6(a, b, c, d), length: length)) ?? .allIPv4
}

func prefix4(_ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8, _ length: Int) -> IPPrefix {
    (try? IPPrefix(address: .v4(IPv4Address(a, b, c, d)), length: length)) ?? .allIPv4
}

func ip4(_ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8) -> IPAddress { .v4(IPv4Address(a, b, c, d)) }
