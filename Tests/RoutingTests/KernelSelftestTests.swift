import Routing
import XCTest

/// The insert/lookup table of the kernel's allowedips selftest [compat src/selftest/allowedips.c
/// `wg_allowedips_selftest`], restated: the same prefixes for peers a...h, the same probes and
/// expected owners. Run against the trie walk and against the derived lookup table.
final class KernelSelftestTests: XCTestCase {
    private func buildSelftestTable() -> AllowedIPs<String> {
        let t = AllowedIPs<String>()
        t.insert(prefix4(192, 168, 4, 0, 24), for: "a")
        t.insert(prefix4(192, 168, 4, 4, 32), for: "b")
        t.insert(prefix4(192, 168, 0, 0, 16), for: "c")
        t.insert(prefix4(192, 95, 5, 64, 27), for: "d")
        t.insert(prefix("192.95.5.65/27"), for: "c")          // replaces d's entry; host bits set
        t.insert(prefix6(0x2607_5300, 0x6000_6b00, 0, 0xc05f_0543, 128), for: "d")
        t.insert(prefix6(0x2607_5300, 0x6000_6b00, 0, 0, 64), for: "c")
        t.insert(prefix4(0, 0, 0, 0, 0), for: "e")
        t.insert(prefix6(0, 0, 0, 0, 0), for: "e")
        t.insert(prefix6(0, 0, 0, 0, 0), for: "f")             // replaces e's ::/0
        t.insert(prefix6(0x2404_6800, 0, 0, 0, 32), for: "g")
        t.insert(prefix6(0x2404_6800, 0x4004_0800, 0xdead_beef, 0xdead_beef, 64), for: "h")
        t.insert(prefix6(0x2404_6800, 0x4004_0800, 0xdead_beef, 0xdead_beef, 128), for: "a")
        t.insert(prefix6(0x2444_6800, 0x40e4_0800, 0xdeae_beef, 0x0def_beef, 128), for: "c")
        t.insert(prefix6(0x2444_6800, 0xf0e4_0800, 0xeeae_beef, 0, 98), for: "b")
        t.insert(prefix4(64, 15, 112, 0, 20), for: "g")
        t.insert(prefix("64.15.123.211/25"), for: "h")         // host bits set
        t.insert(prefix4(10, 0, 0, 0, 25), for: "a")
        t.insert(prefix4(10, 0, 0, 128, 25), for: "b")
        t.insert(prefix4(10, 1, 0, 0, 30), for: "a")
        t.insert(prefix4(10, 1, 0, 4, 30), for: "b")
        t.insert(prefix4(10, 1, 0, 8, 29), for: "c")
        t.insert(prefix4(10, 1, 0, 16, 29), for: "d")
        return t
    }

    private let probes: [(String, IPAddress)] = [
        ("a", ip4(192, 168, 4, 20)), ("a", ip4(192, 168, 4, 0)), ("b", ip4(192, 168, 4, 4)),
        ("c", ip4(192, 168, 200, 182)), ("c", ip4(192, 95, 5, 68)), ("e", ip4(192, 95, 5, 96)),
        ("d", ip6(0x2607_5300, 0x6000_6b00, 0, 0xc05f_0543)),
        ("c", ip6(0x2607_5300, 0x6000_6b00, 0, 0xc02e_01ee)),
        ("f", ip6(0x2607_5300, 0x6000_6b01, 0, 0)),
        ("g", ip6(0x2404_6800, 0x4004_0806, 0, 0x1006)),
        ("g", ip6(0x2404_6800, 0x4004_0806, 0x1234, 0x5678)),
        ("f", ip6(0x2404_67ff, 0x4004_0806, 0x1234, 0x5678)),
        ("f", ip6(0x2404_6801, 0x4004_0806, 0x1234, 0x5678)),
        ("h", ip6(0x2404_6800, 0x4004_0800, 0x1234, 0x5678)),
        ("h", ip6(0x2404_6800, 0x4004_0800, 0, 0)),
        ("h", ip6(0x2404_6800, 0x4004_0800, 0x1010_1010, 0x1010_1010)),
        ("a", ip6(0x2404_6800, 0x4004_0800, 0xdead_beef, 0xdead_beef)),
        ("g", ip4(64, 15, 116, 26)), ("g", ip4(64, 15, 127, 3)), ("g", ip4(64, 15, 123, 1)),
        ("h", ip4(64, 15, 123, 128)), ("h", ip4(64, 15, 123, 129)),
        ("a", ip4(10, 0, 0, 52)), ("b", ip4(10, 0, 0, 220)), ("a", ip4(10, 1, 0, 2)),
        ("b", ip4(10, 1, 0, 6)), ("c", ip4(10, 1, 0, 10)), ("d", ip4(10, 1, 0, 20)),
    ]

    func testSelftestLookupsOnTheTrie() {
        let table = buildSelftestTable()
        for (expected, address) in probes {
            XCTAssertEqual(table.lookup(address), expected, "\(address)")
        }
    }

    func testSelftestLookupsOnTheDerivedTable() {
        let table = buildSelftestTable()
        table.compactLookupMinimumNodes = 0
        table.prepareLookupTables()
        XCTAssertTrue(table.usesLookupTables.ipv4 && table.usesLookupTables.ipv6)
        for (expected, address) in probes {
            XCTAssertEqual(table.lookup(address), expected, "\(address)")
        }
    }
}
