import Routing
import XCTest

/// The derived lookup table must answer exactly like the trie it was built from (§1.7), at the
/// benchmark's shape (random prefixes of length 8...32 over the whole address space) and at the
/// edges of its chunks (lengths 16, 22, 28 end a chunk; /32 ends inside one).
final class PoptrieTests: XCTestCase {
    func testTableAgreesWithTrieOnRandomIPv4Prefixes() {
        var random = SplitMix64(seed: 42)
        let trie = AllowedIPs<Int>(), table = AllowedIPs<Int>()
        trie.compactLookupMinimumNodes = .max
        table.compactLookupMinimumNodes = 0
        var inserted: [IPPrefix] = []
        for _ in 0..<20_000 {
            let address = IPv4Address(UInt32(truncatingIfNeeded: random.next()))
            let length = 8 + Int(random.next() % 25)
            guard let p = try? IPPrefix(address: .v4(address), length: length) else { continue }
            let peer = Int(random.next() % 100)
            trie.insert(p, for: peer)
            table.insert(p, for: peer)
            inserted.append(p)
        }
        table.prepareLookupTables()
        XCTAssertTrue(table.usesLookupTables.ipv4)
        for i in 0..<40_000 {
            var value = UInt32(truncatingIfNeeded: random.next())
            if i % 2 == 0, case .v4(let a) = inserted[Int(random.next() % UInt64(inserted.count))].address {
                value = a.value | (value & 0xFF)
            }
            XCTAssertEqual(table.lookup(ipv4: value), trie.lookup(ipv4: value), "\(IPv4Address(value))")
        }
    }

    func testJumpTableAgreesWithTrieOnRandomIPv6Prefixes() {
        var random = SplitMix64(seed: 6)
        let trie = AllowedIPs<Int>(), table = AllowedIPs<Int>()
        trie.compactLookupMinimumNodes = .max
        table.compactLookupMinimumNodes = 0
        var inserted: [IPv6Address] = []
        for i in 0..<8_000 {
            // Half spread over the whole space, half crowded under one /16 (like fd00::/8 sites).
            let high = i % 2 == 0 ? random.next() : 0xfd00_0000_0000_0000 | (random.next() >> 24)
            let address = IPv6Address(high: high, low: random.next())
            guard let p = try? IPPrefix(address: .v6(address), length: Int(random.next() % 129)) else { continue }
            trie.insert(p, for: i % 50)
            table.insert(p, for: i % 50)
            inserted.append(address)
        }
        table.prepareLookupTables()
        XCTAssertTrue(table.usesLookupTables.ipv6)
        for i in 0..<20_000 {
            var address = IPv6Address(high: random.next(), low: random.next())
            if i % 2 == 0 {
                let near = inserted[Int(random.next() % UInt64(inserted.count))]
                address = IPv6Address(high: near.high, low: near.low ^ (random.next() >> (random.next() % 64)))
            }
            XCTAssertEqual(table.lookup(.v6(address)), trie.lookup(.v6(address)), "\(address)")
        }
    }

    func testTableAgreesWithTrieAtChunkBoundaries() {
        let trie = AllowedIPs<String>(), table = AllowedIPs<String>()
        trie.compactLookupMinimumNodes = .max
        table.compactLookupMinimumNodes = 0
        let entries = ["10.0.0.0/16", "10.0.0.0/22", "10.0.0.0/28", "10.0.0.0/32", "10.0.0.15/32",
                       "10.0.4.0/22", "10.0.0.16/28", "10.0.0.0/15", "10.0.0.0/17", "10.0.0.0/23",
                       "10.0.0.0/29", "10.0.0.1/32", "10.255.255.255/32", "0.0.0.0/0", "255.255.255.255/32",
                       "fd00::/16", "fd00::/22", "fd00::/124", "fd00::/128", "fd00::f/128", "::/0",
                       "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128"]
        for (i, text) in entries.enumerated() {
            trie.insert(prefix(text), for: "p\(i)")
            table.insert(prefix(text), for: "p\(i)")
        }
        table.prepareLookupTables()
        var probes: [IPAddress] = []
        for base in [0x0A00_0000, 0x0AFF_FFF0, 0xFFFF_FF00, 0] as [UInt32] {
            for offset in 0..<64 as Range<UInt32> { probes.append(.v4(IPv4Address(base &+ offset))) }
            for shift in 0..<32 as Range<UInt32> { probes.append(.v4(IPv4Address(base ^ (1 << shift)))) }
        }
        for offset in 0..<64 as Range<UInt64> {
            probes.append(.v6(IPv6Address(high: 0xfd00 << 48, low: offset)))
            probes.append(.v6(IPv6Address(high: .max, low: UInt64.max - offset)))
            probes.append(.v6(IPv6Address(high: 0xfd00 << 48 | 1 << offset, low: 0)))
        }
        for address in probes {
            XCTAssertEqual(table.lookup(address), trie.lookup(address), "\(address)")
        }
    }

    func testEntryLookupsUseATableThatCarriesPrefixes() {
        var random = SplitMix64(seed: 7)
        let table = AllowedIPs<Int>()
        table.compactLookupMinimumNodes = 0
        var inserted: [IPPrefix] = []
        for i in 0..<5_000 {
            let address = IPv4Address(UInt32(truncatingIfNeeded: random.next()))
            guard let p = try? IPPrefix(address: .v4(address), length: 8 + Int(random.next() % 25)) else { continue }
            table.insert(p, for: i % 40)
            inserted.append(p)
        }
        table.prepareLookupTables()
        let probe = IPAddress.v4(IPv4Address(0x0A01_0203))
        let walked = table.explain(probe).first
        XCTAssertEqual(table.lookupEntry(probe)?.prefix, walked?.prefix)
        XCTAssertFalse(table.usesLookupTables.ipv4, "the first entry lookup drops a table without prefixes")
        table.prepareLookupTables()
        XCTAssertTrue(table.usesLookupTables.ipv4)
        for i in 0..<10_000 {
            var value = UInt32(truncatingIfNeeded: random.next())
            if i % 2 == 0, case .v4(let a) = inserted[Int(random.next() % UInt64(inserted.count))].address {
                value = a.value | (value & 0x3F)
            }
            let address = IPAddress.v4(IPv4Address(value))
            let expected = table.explain(address).first
            let entry = table.lookupEntry(address)
            XCTAssertEqual(entry?.prefix, expected?.prefix, "\(address)")
            XCTAssertEqual(entry?.peer, expected?.peer, "\(address)")
            XCTAssertEqual(table.lookup(address), expected?.peer, "\(address)")
        }
        XCTAssertTrue(table.usesLookupTables.ipv4)
    }

    func testTableIsRebuiltLazilyAfterChanges() {
        let table = AllowedIPs<Int>()
        table.compactLookupMinimumNodes = 0
        table.insert(prefix("10.0.0.0/8"), for: 1)
        table.prepareLookupTables()
        XCTAssertTrue(table.usesLookupTables.ipv4)
        table.insert(prefix("10.1.0.0/16"), for: 2)
        XCTAssertFalse(table.usesLookupTables.ipv4, "a change drops the derived table")
        XCTAssertEqual(table.lookup(ip("10.1.0.1")), 2, "answered by the trie meanwhile")
        for _ in 0..<4 { _ = table.lookup(ip("10.2.0.1")) }
        XCTAssertTrue(table.usesLookupTables.ipv4, "enough lookups rebuild it")
        XCTAssertEqual(table.lookup(ip("10.1.0.1")), 2)
        XCTAssertEqual(table.lookup(ip("10.2.0.1")), 1)
    }
}

/// More than 65,535 peers: the table stores answers in 32 bits instead of 16.
final class PoptrieWideAnswerTests: XCTestCase {
    func testManyPeersStillAnswerCorrectly() {
        let table = AllowedIPs<Int>()
        table.compactLookupMinimumNodes = 0
        let peers = 70_000
        for peer in 0..<peers {
            table.insert(prefix4(10, UInt8(peer >> 16), UInt8((peer >> 8) & 0xFF), UInt8(peer & 0xFF), 32), for: peer)
        }
        table.insert(prefix("10.0.0.0/8"), for: -1)
        table.prepareLookupTables()
        XCTAssertTrue(table.usesLookupTables.ipv4)
        for peer in stride(from: 0, to: peers, by: 997) + [65_534, 65_535, 65_536, peers - 1] {
            XCTAssertEqual(table.lookup(ipv4: 0x0A00_0000 | UInt32(peer)), peer)
        }
        XCTAssertEqual(table.lookup(ipv4: 0x0A00_0000 | UInt32(peers)), -1)
        XCTAssertNil(table.lookup(ipv4: 0x0B00_0000))
    }
}
