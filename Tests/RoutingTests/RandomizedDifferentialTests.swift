import Routing
import XCTest

/// The kernel's randomized selftest idea [compat src/selftest/allowedips.c `randomized_test`;
/// go device/allowedips_rand_test.go]: drive the trie and a naive "longest prefix first" list
/// with the same random operations and compare every answer; at the end remove every peer and
/// check that both tries are empty (§1.5).
final class RandomizedDifferentialTests: XCTestCase {
    private struct Harness {
        var random: SplitMix64
        let peers = (0..<24).map { "peer\($0)" }
        var naive = NaiveAllowedIPs<String>()
        /// Answers from the trie walk only.
        let walked = AllowedIPs<String>()
        /// Answers from the derived table, rebuilt before every phase of lookups.
        let compacted = AllowedIPs<String>()

        init(seed: UInt64) {
            random = SplitMix64(seed: seed)
            walked.compactLookupMinimumNodes = .max
            compacted.compactLookupMinimumNodes = 0
            // Ask for entries once per family, so the compacted tables carry prefixes too.
            _ = compacted.lookupEntry(.v4(IPv4Address(0)))
            _ = compacted.lookupEntry(.v6(IPv6Address(high: 0, low: 0)))
        }

        /// Random prefixes clustered in a few ranges so that overlaps, exact repeats, glue
        /// nodes and deep paths are all common.
        mutating func randomPrefix() -> IPPrefix {
            if random.next() % 2 == 0 {
                let base: [UInt32] = [0x0A00_0000, 0xC0A8_0000, 0xC0A8_2000, 0x4000_0000]
                let address = base[Int(random.next() % 4)] | UInt32(truncatingIfNeeded: random.next()) & 0x0001_FFFF
                let length = Int(random.next() % 33)
                return (try? IPPrefix(address: .v4(IPv4Address(address)), length: length)) ?? .allIPv4
            }
            let highs: [UInt64] = [0x2001_0db8_0000_0000, 0xfd00_0000_0000_0000, 0x2607_5300_6000_6b00]
            let high = highs[Int(random.next() % 3)] | (random.next() & 0xFFFF)
            let low = random.next() % 4 == 0 ? random.next() : random.next() & 0xFF
            let length = Int(random.next() % 129)
            return (try? IPPrefix(address: .v6(IPv6Address(high: high, low: low)), length: length)) ?? .allIPv6
        }

        /// A random address, or one inside a random existing prefix.
        mutating func probeAddress() -> IPAddress {
            if !naive.entries.isEmpty, random.next() % 2 == 0 {
                let target = naive.entries[Int(random.next() % UInt64(naive.entries.count))].prefix
                switch target.address {
                case .v4(let a):
                    let host = target.length == 32 ? 0 : UInt32(truncatingIfNeeded: random.next()) & (UInt32.max >> target.length)
                    return .v4(IPv4Address(a.value | host))
                case .v6(let a):
                    let hostHigh = target.length >= 64 ? 0 : random.next() & (UInt64.max >> target.length)
                    let hostLow = target.length >= 128 ? 0 : random.next() & (UInt64.max >> max(0, target.length - 64))
                    return .v6(IPv6Address(high: a.high | hostHigh, low: a.low | hostLow))
                }
            }
            return randomPrefix().address
        }

        mutating func randomPeer() -> String { peers[Int(random.next() % UInt64(peers.count))] }

        mutating func step() {
            let roll = random.next() % 100
            if roll < 55 {
                let (p, peer) = (randomPrefix(), randomPeer())
                naive.insert(p, for: peer); walked.insert(p, for: peer); compacted.insert(p, for: peer)
            } else if roll < 70, !naive.entries.isEmpty {
                // Move an existing prefix to another (or the same) peer.
                let p = naive.entries[Int(random.next() % UInt64(naive.entries.count))].prefix
                let peer = randomPeer()
                naive.insert(p, for: peer); walked.insert(p, for: peer); compacted.insert(p, for: peer)
            } else if roll < 97 {
                // Single removal: usually of an existing prefix, by its owner or by someone else.
                let p: IPPrefix, peer: String
                if !naive.entries.isEmpty, random.next() % 4 != 0 {
                    let entry = naive.entries[Int(random.next() % UInt64(naive.entries.count))]
                    p = entry.prefix
                    peer = random.next() % 3 == 0 ? randomPeer() : entry.peer
                } else {
                    (p, peer) = (randomPrefix(), randomPeer())
                }
                let expected = naive.remove(p, for: peer)
                XCTAssertEqual(walked.remove(p, for: peer), expected)
                XCTAssertEqual(compacted.remove(p, for: peer), expected)
            } else {
                let peer = randomPeer()
                naive.removeAll(for: peer); walked.removeAll(for: peer); compacted.removeAll(for: peer)
            }
        }

        mutating func compareLookups(_ count: Int) {
            compacted.prepareLookupTables()
            XCTAssertEqual(compacted.usesLookupTables.ipv4, compacted.nodeCounts.ipv4 > 0)
            XCTAssertEqual(compacted.usesLookupTables.ipv6, compacted.nodeCounts.ipv6 > 0)
            for _ in 0..<count {
                let address = probeAddress()
                let expected = naive.lookup(address)
                XCTAssertEqual(walked.lookup(address), expected?.peer, "walk \(address)")
                XCTAssertEqual(compacted.lookup(address), expected?.peer, "table \(address)")
                let entry = walked.lookupEntry(address)
                XCTAssertEqual(entry?.prefix, expected?.prefix, "entry \(address)")
                let tableEntry = compacted.lookupEntry(address)
                XCTAssertEqual(tableEntry?.prefix, expected?.prefix, "table entry \(address)")
                XCTAssertEqual(tableEntry?.peer, expected?.peer, "table entry \(address)")
                XCTAssertEqual(walked.explain(address).map(\.prefix), naive.matches(address), "explain \(address)")
            }
        }

        func compareLists() {
            XCTAssertEqual(walked.count, naive.entries.count)
            XCTAssertEqual(compacted.count, naive.entries.count)
            for peer in peers {
                let expected = naive.order[peer] ?? []
                XCTAssertEqual(walked.prefixes(of: peer), expected, peer)
                XCTAssertEqual(compacted.prefixes(of: peer), expected, peer)
            }
        }
    }

    func testTrieAndTableAgreeWithANaiveListAcrossPhases() {
        var harness = Harness(seed: 0x5EED_0002)
        var operations = 0
        for phase in 0..<24 {
            // Grow for the first phases, then shrink, so both full and sparse tries are seen.
            let steps = phase < 16 ? 1500 : 900
            for _ in 0..<steps { harness.step() }
            operations += steps
            if phase == 20 {
                for peer in harness.peers.prefix(12) {
                    harness.naive.removeAll(for: peer); harness.walked.removeAll(for: peer)
                    harness.compacted.removeAll(for: peer)
                }
            }
            harness.compareLookups(400)
            harness.compareLists()
        }
        XCTAssertGreaterThanOrEqual(operations, 30_000)
        for peer in harness.peers {
            harness.walked.removeAll(for: peer)
            harness.compacted.removeAll(for: peer)
        }
        XCTAssertTrue(harness.walked.isEmpty, "glue left behind: \(harness.walked.nodeCounts)")
        XCTAssertTrue(harness.compacted.isEmpty, "glue left behind: \(harness.compacted.nodeCounts)")
        XCTAssertEqual(harness.walked.count, 0)
        XCTAssertNil(harness.compacted.lookup(ip("10.0.0.1")))
    }
}
