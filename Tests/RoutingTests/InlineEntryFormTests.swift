@testable import Routing
import XCTest

/// A table of at most `inlineEntryLimit` entries keeps them inline and scans them; past the limit
/// it takes the trie form, and goes back at half the limit. Every answer must be the same in
/// either form and across the switch: checked against the naive list and a table held in the
/// trie form, through random changes that cross the limit both ways many times.
final class InlineEntryFormTests: XCTestCase {
    private var limit: Int { AllowedIPs<String>.inlineEntryLimit }

    private struct Harness {
        var random: SplitMix64
        let peers = ["a", "b", "c", "d"]
        var naive = NaiveAllowedIPs<String>()
        /// Default settings: switches between the inline and the trie form as it grows and shrinks.
        let switching = AllowedIPs<String>()
        /// Held in the trie form throughout (tuning the derived tables keeps it there).
        let trie = AllowedIPs<String>()
        var toTrie = 0, toInline = 0

        init(seed: UInt64) {
            random = SplitMix64(seed: seed)
            trie.compactLookupMinimumNodes = .max
            fillPool(size: 3 * AllowedIPs<String>.inlineEntryLimit)
        }

        /// A fixed pool of three times the limit of distinct prefixes of both families, nested
        /// and overlapping (one cluster per family), so that matches of several lengths are common.
        var pool: [IPPrefix] = []

        mutating func fillPool(size: Int) {
            while pool.count < size {
                let p: IPPrefix
                if pool.count % 2 == 0 {
                    let lengths = [0, 8, 16, 22, 24, 30, 32]
                    p = prefix4(10, 0, UInt8(random.next() % 4), UInt8(random.next() % 8), lengths[Int(random.next() % 7)])
                } else {
                    let lengths = [0, 32, 48, 64, 100, 128]
                    p = prefix6(0x2001_0db8, 0, UInt32(random.next() % 4), UInt32(random.next() % 8), lengths[Int(random.next() % 6)])
                }
                if !pool.contains(p) { pool.append(p) }
            }
        }

        mutating func randomPrefix() -> IPPrefix { pool[Int(random.next() % UInt64(pool.count))] }

        mutating func probe() -> IPAddress {
            switch random.next() % 4 {
            case 0: return ip4(10, 0, UInt8(random.next() % 4), UInt8(random.next() % 8))
            case 1: return ip4(UInt8(truncatingIfNeeded: random.next()), 1, 2, 3)
            case 2: return ip6(0x2001_0db8, 0, UInt32(random.next() % 4), UInt32(random.next() % 8))
            default: return ip6(UInt32(truncatingIfNeeded: random.next()), 0, 0, 1)
            }
        }

        /// One random change; a growing phase mostly inserts, a shrinking one mostly removes.
        mutating func step(growing: Bool) {
            let wasInline = switching.core == nil
            let peer = peers[Int(random.next() % UInt64(peers.count))]
            let roll = random.next() % 100
            if roll < (growing ? 80 : 25) {
                let p = randomPrefix()
                let expectedOwner = naive.entries.first { $0.prefix == p }?.peer
                naive.insert(p, for: peer)
                trie.insert(p, for: peer)
                let moved = switching.insertReportingOwner(p, for: peer)
                XCTAssertTrue(moved.inserted)
                XCTAssertEqual(moved.previousOwner, expectedOwner == peer ? nil : expectedOwner, "move of \(p)")
            } else if roll < (growing ? 96 : 92) {
                // Usually an existing entry by its owner; sometimes by another peer, or absent.
                var (p, peer) = (randomPrefix(), peer)
                if !naive.entries.isEmpty, random.next() % 4 != 0 {
                    let entry = naive.entries[Int(random.next() % UInt64(naive.entries.count))]
                    p = entry.prefix
                    if random.next() % 4 != 0 { peer = entry.peer }
                }
                let expected = naive.remove(p, for: peer)
                XCTAssertEqual(trie.remove(p, for: peer), expected)
                XCTAssertEqual(switching.remove(p, for: peer), expected, "remove \(p) for \(peer)")
            } else {
                naive.removeAll(for: peer); trie.removeAll(for: peer); switching.removeAll(for: peer)
            }
            let isInline = switching.core == nil
            if wasInline && !isInline { toTrie += 1 }
            if !wasInline && isInline { toInline += 1 }
        }

        mutating func compare(_ context: String) {
            let expectedInline = (switching.core == nil)
            XCTAssertEqual(switching.count, naive.entries.count, context)
            XCTAssertEqual(switching.nodeCounts.ipv4, trie.nodeCounts.ipv4, context)
            XCTAssertEqual(switching.nodeCounts.ipv6, trie.nodeCounts.ipv6, context)
            XCTAssertEqual(switching.isEmpty, naive.entries.isEmpty, context)
            XCTAssertTrue(expectedInline ? switching.inline.count == switching.count : switching.inline.isEmpty, context)
            for peer in peers {
                XCTAssertEqual(switching.prefixes(of: peer), naive.order[peer] ?? [], "\(context): list of \(peer)")
                XCTAssertEqual(switching.hasPrefixes(peer), naive.order[peer] != nil, context)
            }
            for _ in 0..<12 {
                let address = probe()
                let expected = naive.lookup(address)
                XCTAssertEqual(switching.lookup(address), expected?.peer, "\(context): lookup \(address)")
                XCTAssertEqual(switching.lookupEntry(address)?.prefix, expected?.prefix, "\(context): entry \(address)")
                XCTAssertEqual(switching.lookupEntry(address)?.peer, expected?.peer, "\(context): entry \(address)")
                XCTAssertEqual(switching.explain(address).map(\.prefix), naive.matches(address), "\(context): explain \(address)")
                XCTAssertEqual(switching.explain(address).map(\.peer), trie.explain(address).map(\.peer), context)
            }
        }
    }

    func testRandomChangesAcrossTheLimitAnswerAsTheNaiveListAndTheTrie() {
        var harness = Harness(seed: 0x1_7E57)
        for i in 0..<6000 {
            harness.step(growing: i / 40 % 2 == 0)
            harness.compare("step \(i)")
        }
        // The pool and the mix of changes keep the size around the limit: both switches are made
        // many times, so the comparisons above cover each form and the moves between them.
        XCTAssertGreaterThan(harness.toTrie, 20)
        XCTAssertGreaterThan(harness.toInline, 20)
        for peer in harness.peers { harness.switching.removeAll(for: peer) }
        XCTAssertTrue(harness.switching.isEmpty)
        XCTAssertNil(harness.switching.core, "an emptied table is back in the inline form")
    }

    func testCrossingTheLimitBothWaysKeepsEveryListInOrder() {
        let table = AllowedIPs<String>()
        // Two peers, interleaved; a re-insert moves 10.0.0.0/24 to a's tail: the lists are
        // a: 10.0.2, .4, .6, .0 (/24s); b: 10.0.1, .3, .5, .7.
        for i in 0..<limit {
            table.insert(prefix4(10, 0, UInt8(i), 0, 24), for: i % 2 == 0 ? "a" : "b")
        }
        table.insert(prefix4(10, 0, 0, 0, 24), for: "a")   // an existing entry: no growth, to a's tail
        XCTAssertNil(table.core, "\(limit) entries stay inline")
        let aBefore = table.prefixes(of: "a"), bBefore = table.prefixes(of: "b")
        XCTAssertEqual(aBefore.last, prefix4(10, 0, 0, 0, 24))

        table.insert(prefix6(0x2001_0db8, 0, 0, 0, 32), for: "b")
        XCTAssertNotNil(table.core, "entry \(limit + 1) takes the trie form")
        XCTAssertEqual(table.prefixes(of: "a"), aBefore)
        XCTAssertEqual(table.prefixes(of: "b"), bBefore + [prefix6(0x2001_0db8, 0, 0, 0, 32)])
        XCTAssertEqual(table.lookup(ip("10.0.3.9")), "b")
        XCTAssertEqual(table.lookup(ip("2001:db8::1")), "b")

        // Shrink: still the trie form above half the limit, inline at half.
        var remaining = table.count
        for i in stride(from: 1, to: limit, by: 2) where remaining > limit / 2 + 1 {
            XCTAssertTrue(table.remove(prefix4(10, 0, UInt8(i), 0, 24), for: "b"))
            remaining -= 1
        }
        XCTAssertEqual(table.count, limit / 2 + 1)
        XCTAssertNotNil(table.core)
        let moved = table.insertReportingOwner(prefix6(0x2001_0db8, 0, 0, 0, 32), for: "a")
        XCTAssertEqual(moved.previousOwner, "b")
        XCTAssertTrue(table.remove(prefix4(10, 0, 2, 0, 24), for: "a"))
        XCTAssertNil(table.core, "half the limit: back inline")
        XCTAssertEqual(table.count, limit / 2)
        XCTAssertEqual(table.prefixes(of: "a"),
                       aBefore.filter { $0 != prefix4(10, 0, 2, 0, 24) } + [prefix6(0x2001_0db8, 0, 0, 0, 32)])
        XCTAssertEqual(table.lookup(ip("2001:db8::1")), "a")
        XCTAssertEqual(table.lookupEntry(ip("10.0.0.200"))?.prefix, prefix4(10, 0, 0, 0, 24))
        XCTAssertNil(table.lookup(ip("10.0.2.1")))
    }

    func testInlineLookupPrefersTheLongestMatchInEachFamily() {
        let table = AllowedIPs<String>()
        table.insert(.allIPv4, for: "default")
        table.insert(prefix("10.0.0.0/8"), for: "ten")
        table.insert(prefix("10.1.0.0/16"), for: "ten-one")
        table.insert(prefix("10.1.2.3/32"), for: "host")
        table.insert(.allIPv6, for: "default6")
        table.insert(prefix("2001:db8::/64"), for: "doc")
        XCTAssertNil(table.core)
        XCTAssertEqual(table.lookup(ip("10.1.2.3")), "host")
        XCTAssertEqual(table.lookup(ip("10.1.2.4")), "ten-one")
        XCTAssertEqual(table.lookup(ip("10.2.0.1")), "ten")
        XCTAssertEqual(table.lookup(ip("192.0.2.1")), "default")
        XCTAssertEqual(table.lookup(ip("2001:db8::5")), "doc")
        XCTAssertEqual(table.lookup(ip("2001:db9::5")), "default6")
        XCTAssertEqual(table.explain(ip("10.1.2.3")).map(\.peer), ["host", "ten-one", "ten", "default"])
        XCTAssertEqual(table.nodeCounts.ipv4, 4)
        XCTAssertEqual(table.storageBytes.tries, 6 * MemoryLayout<InlineEntry>.stride)
        table.removeAll(for: "default")
        XCTAssertNil(table.lookup(ip("192.0.2.1")))
        XCTAssertFalse(table.hasPrefixes("default"))
    }

    func testTuningTheDerivedTablesKeepsTheTrieForm() {
        let table = AllowedIPs<String>()
        table.insert(prefix("10.0.0.0/8"), for: "a")
        XCTAssertNil(table.core)
        table.compactLookupMinimumNodes = 0
        XCTAssertNotNil(table.core, "the derived tables are built from the trie")
        table.prepareLookupTables()
        XCTAssertTrue(table.usesLookupTables.ipv4)
        table.insert(prefix("10.1.0.0/16"), for: "b")
        XCTAssertTrue(table.remove(prefix("10.1.0.0/16"), for: "b"))
        XCTAssertNotNil(table.core, "a tuned table does not go back inline")
        XCTAssertEqual(table.lookup(ip("10.1.0.1")), "a")
    }
}
