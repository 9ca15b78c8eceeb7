import Routing
import XCTest

/// Each behaviour of wireguard-behaviour.md §1, named after its section.
final class AllowedIPsKernelSemanticsTests: XCTestCase {
    // MARK: §1.1 one table, two tries

    func test_1_1_OneTableServesSendAndReceive() {
        let table = AllowedIPs<String>()
        table.insert(prefix("10.0.0.0/8"), for: "A")
        XCTAssertEqual(table.lookup(ip("10.1.2.3")), "A")               // send: destination
        // Receive (§1.8, `lookup_src`): the same lookup on the decrypted source must name the
        // peer whose key decrypted it; no match drops the packet.
        XCTAssertEqual(table.lookup(ip("10.1.2.3")), "A")
        XCTAssertNotEqual(table.lookup(ip("10.1.2.3")), "B")
        XCTAssertNil(table.lookup(ip("11.0.0.1")))
    }

    // MARK: §1.3 host bits

    func test_1_3_HostBitsDoNotMakeADifferentEntry() {
        let table = AllowedIPs<String>()
        table.insert(prefix("10.0.0.1/24"), for: "A")
        table.insert(prefix("10.0.0.0/24"), for: "B")
        XCTAssertEqual(table.count, 1)
        XCTAssertEqual(table.prefixes(of: "A"), [])
        XCTAssertEqual(table.prefixes(of: "B").map(\.description), ["10.0.0.0/24"])
    }

    func test_1_3_SelftestMaskselfReplacesTheSlash27() {
        let table = AllowedIPs<String>()
        table.insert(prefix4(192, 95, 5, 64, 27), for: "d")
        table.insert(prefix("192.95.5.65/27"), for: "c")
        XCTAssertEqual(table.lookup(ip("192.95.5.68")), "c")
        XCTAssertEqual(table.prefixes(of: "c").map(\.description), ["192.95.5.64/27"])
        XCTAssertEqual(table.prefixes(of: "d"), [])
    }

    // MARK: §1.4 insert

    func test_1_4_InsertingAnotherPeersPrefixMovesIt() {
        let table = AllowedIPs<String>()
        table.insert(prefix("10.0.0.0/8"), for: "Y")
        table.insert(prefix("10.0.0.0/8"), for: "X")
        XCTAssertEqual(table.prefixes(of: "Y"), [])
        XCTAssertEqual(table.prefixes(of: "X"), [prefix("10.0.0.0/8")])
        XCTAssertEqual(table.lookup(ip("10.9.9.9")), "X")
        XCTAssertFalse(table.hasPrefixes("Y"))
    }

    func test_1_4_ReinsertingOwnPrefixMovesItToTheTail() {
        let table = AllowedIPs<String>()
        for text in ["10.0.0.0/8", "192.168.0.0/16", "fd00::/8"] { table.insert(prefix(text), for: "A") }
        table.insert(prefix("10.0.0.0/8"), for: "A")
        XCTAssertEqual(table.prefixes(of: "A").map(\.description), ["192.168.0.0/16", "fd00::/8", "10.0.0.0/8"])
        XCTAssertEqual(table.count, 3)
    }

    func test_1_4_InsertIsIdempotentExceptForOrder() {
        let table = AllowedIPs<String>()
        table.insert(prefix("10.0.0.0/8"), for: "A")
        let nodes = table.nodeCounts
        table.insert(prefix("10.0.0.0/8"), for: "A")
        XCTAssertEqual(table.count, 1)
        XCTAssertEqual(table.nodeCounts.ipv4, nodes.ipv4)
    }

    func test_1_4_GlueNodeWithTheExactPrefixIsPromoted() {
        let table = AllowedIPs<String>()
        // 10.0.0.0/24 and 10.0.1.0/24 diverge at bit 23: a glue node 10.0.0.0/23 joins them.
        table.insert(prefix("10.0.0.0/24"), for: "A")
        table.insert(prefix("10.0.1.0/24"), for: "B")
        XCTAssertEqual(table.nodeCounts.ipv4, 3)
        XCTAssertEqual(table.lookup(ip("10.0.2.1")), nil)
        table.insert(prefix("10.0.0.0/23"), for: "C")
        XCTAssertEqual(table.nodeCounts.ipv4, 3, "the glue node became C's node")
        XCTAssertEqual(table.count, 3)
        XCTAssertEqual(table.lookup(ip("10.0.0.1")), "A")
        XCTAssertEqual(table.lookup(ip("10.0.1.1")), "B")
        // Nothing else in 10.0.0.0/23 is left over, but the /23 covers exactly those two /24s.
        XCTAssertEqual(table.explain(ip("10.0.1.1")).map(\.prefix.description), ["10.0.1.0/24", "10.0.0.0/23"])
    }

    func test_1_4_ShorterPrefixInsertedAboveExistingOne() {
        let table = AllowedIPs<String>()
        table.insert(prefix("10.1.0.0/16"), for: "A")
        table.insert(prefix("10.0.0.0/8"), for: "B")
        XCTAssertEqual(table.nodeCounts.ipv4, 2, "the /8 covers the /16: no glue")
        XCTAssertEqual(table.lookup(ip("10.1.2.3")), "A")
        XCTAssertEqual(table.lookup(ip("10.2.2.3")), "B")
    }

    // MARK: §1.5 remove by peer

    func test_1_5_RemoveByPeerLeavesNoGlueBehind() {
        let table = AllowedIPs<String>()
        table.insert(prefix("10.0.0.0/24"), for: "A")
        table.insert(prefix("10.0.1.0/24"), for: "B")
        table.insert(prefix("10.0.2.0/24"), for: "A")
        table.insert(prefix("2001:db8::/48"), for: "A")
        table.insert(prefix("2001:db8:1::/48"), for: "B")
        table.removeAll(for: "A")
        XCTAssertEqual(table.nodeCounts.ipv4, 1)
        XCTAssertEqual(table.nodeCounts.ipv6, 1)
        XCTAssertEqual(table.lookup(ip("10.0.1.7")), "B")
        XCTAssertNil(table.lookup(ip("10.0.0.7")))
        table.removeAll(for: "B")
        XCTAssertTrue(table.isEmpty)
        XCTAssertEqual(table.count, 0)
    }

    func test_1_5_PeerNodeWithTwoChildrenStaysAsGlue() {
        let table = AllowedIPs<String>()
        table.insert(prefix("10.0.0.0/8"), for: "A")
        table.insert(prefix("10.0.0.0/16"), for: "B")
        table.insert(prefix("10.128.0.0/16"), for: "B")
        table.removeAll(for: "A")
        XCTAssertEqual(table.nodeCounts.ipv4, 3, "the /8 node remains as glue with two children")
        XCTAssertNil(table.lookup(ip("10.1.0.1")))
        XCTAssertEqual(table.lookup(ip("10.128.0.1")), "B")
        table.removeAll(for: "B")
        XCTAssertTrue(table.isEmpty)
    }

    func test_1_5_SelftestRemoveByPeerOnRootChildren() {
        let table = AllowedIPs<String>()
        for first in [1, 64, 128, 192, 255] as [UInt8] { table.insert(prefix4(first, 0, 0, 0, 32), for: "a") }
        table.removeAll(for: "a")
        for first in [1, 64, 128, 192, 255] as [UInt8] { XCTAssertNil(table.lookup(ip4(first, 0, 0, 0))) }
        XCTAssertTrue(table.isEmpty)
        table.insert(prefix("192.168.0.0/16"), for: "a")
        table.insert(prefix("192.168.0.0/24"), for: "a")
        table.removeAll(for: "a")
        XCTAssertNil(table.lookup(ip("192.168.0.1")))
        XCTAssertTrue(table.isEmpty)
    }

    func test_1_5_RemovingAnUnknownPeerChangesNothing() {
        let table = AllowedIPs<String>()
        table.insert(prefix("10.0.0.0/8"), for: "A")
        table.removeAll(for: "Z")
        XCTAssertEqual(table.count, 1)
    }

    // MARK: §1.6 remove one prefix

    func test_1_6_RemoveNeedsExactPrefixAndOwner() {
        let table = AllowedIPs<String>()
        table.insert(prefix("10.0.0.0/8"), for: "A")
        table.insert(prefix("10.1.0.0/16"), for: "B")
        XCTAssertFalse(table.remove(prefix("10.0.0.0/8"), for: "B"), "not the owner")
        XCTAssertFalse(table.remove(prefix("10.0.0.0/9"), for: "A"), "not exact")
        XCTAssertFalse(table.remove(prefix("10.1.0.0/16"), for: "Z"), "unknown peer")
        XCTAssertEqual(table.count, 2)
        XCTAssertTrue(table.remove(prefix("10.9.9.9/8"), for: "A"), "host bits ignored")
        XCTAssertEqual(table.count, 1)
        XCTAssertNil(table.lookup(ip("10.2.0.1")))
        XCTAssertEqual(table.lookup(ip("10.1.0.1")), "B")
    }

    func test_1_6_RemovingAGlueNodesPrefixIsANoOp() {
        let table = AllowedIPs<String>()
        table.insert(prefix("10.0.0.0/24"), for: "A")
        table.insert(prefix("10.0.1.0/24"), for: "A")
        XCTAssertFalse(table.remove(prefix("10.0.0.0/23"), for: "A"))
        XCTAssertEqual(table.nodeCounts.ipv4, 3)
    }

    func test_1_6_SingleRemovalPrunesLikeRemoveByPeer() {
        let table = AllowedIPs<String>()
        table.insert(prefix("10.0.0.0/24"), for: "A")
        table.insert(prefix("10.0.1.0/24"), for: "A")
        XCTAssertTrue(table.remove(prefix("10.0.0.0/24"), for: "A"))
        XCTAssertEqual(table.nodeCounts.ipv4, 1, "the glue parent was spliced out")
        XCTAssertEqual(table.prefixes(of: "A").map(\.description), ["10.0.1.0/24"])
    }

    // MARK: §1.7 lookup

    func test_1_7_LongestPrefixMatchWins() {
        let table = AllowedIPs<String>()
        table.insert(prefix("0.0.0.0/0"), for: "default")
        table.insert(prefix("10.0.0.0/8"), for: "A")
        table.insert(prefix("10.1.0.0/16"), for: "B")
        table.insert(prefix("10.1.1.1/32"), for: "C")
        XCTAssertEqual(table.lookup(ip("10.1.1.1")), "C")
        XCTAssertEqual(table.lookup(ip("10.1.1.2")), "B")
        XCTAssertEqual(table.lookup(ip("10.2.1.1")), "A")
        XCTAssertEqual(table.lookup(ip("11.0.0.1")), "default")
        let entry = table.lookupEntry(ip("10.1.1.2"))
        XCTAssertEqual(entry?.prefix, prefix("10.1.0.0/16"))
        XCTAssertEqual(entry?.peer, "B")
    }

    func test_1_7_FamiliesAreSeparateTries() {
        let table = AllowedIPs<String>()
        table.insert(prefix("0.0.0.0/0"), for: "v4")
        XCTAssertNil(table.lookup(ip("::1")))
        table.insert(prefix("::/0"), for: "v6")
        XCTAssertEqual(table.lookup(ip("::1")), "v6")
        XCTAssertEqual(table.lookup(ip("0.0.0.1")), "v4")
    }

    func test_1_7_IPv4MappedIPv6PrefixNeverMatchesIPv4() {
        let table = AllowedIPs<String>()
        table.insert(prefix("::ffff:10.0.0.0/104"), for: "mapped")
        XCTAssertNil(table.lookup(ip("10.1.2.3")))
        XCTAssertEqual(table.lookup(ip("::ffff:10.1.2.3")), "mapped")
    }

    func test_1_7_SlashZeroMatchesEverythingAndIsReplaceable() {
        let table = AllowedIPs<String>()
        table.insert(prefix("0.0.0.0/0"), for: "e")
        XCTAssertEqual(table.lookup(ip("192.95.5.96")), "e")
        XCTAssertEqual(table.lookup(ip("255.255.255.255")), "e")
        table.insert(prefix("::/0"), for: "e")
        table.insert(prefix("::/0"), for: "f")
        XCTAssertEqual(table.lookup(ip("2607:5300:6000:6b01::")), "f")
        XCTAssertEqual(table.prefixes(of: "e").map(\.description), ["0.0.0.0/0"])
        XCTAssertEqual(table.prefixes(of: "f").map(\.description), ["::/0"])
    }

    func test_1_7_EmptyTableMatchesNothing() {
        let table = AllowedIPs<String>()
        XCTAssertNil(table.lookup(ip("1.2.3.4")))
        XCTAssertNil(table.lookupEntry(ip("::")))
        XCTAssertEqual(table.explain(ip("1.2.3.4")).count, 0)
    }

    func test_1_7_ExplainListsEveryMatchMostSpecificFirst() {
        let table = AllowedIPs<String>()
        table.insert(prefix("0.0.0.0/0"), for: "D")
        table.insert(prefix("192.168.32.0/24"), for: "ABCD")
        table.insert(prefix("192.168.32.19/32"), for: "EFGH")
        table.insert(prefix("192.168.33.0/24"), for: "X")
        let matches = table.explain(ip("192.168.32.19"))
        XCTAssertEqual(matches.map(\.prefix.description), ["192.168.32.19/32", "192.168.32.0/24", "0.0.0.0/0"])
        XCTAssertEqual(matches.map(\.peer), ["EFGH", "ABCD", "D"])
    }

    // MARK: §1.10 enumeration order

    func test_1_10_PrefixesOfAPeerInListOrder() {
        let table = AllowedIPs<String>()
        for text in ["192.168.1.0/24", "10.0.0.0/8", "fd00::/8", "172.16.0.0/12"] { table.insert(prefix(text), for: "A") }
        XCTAssertEqual(table.prefixes(of: "A").map(\.description), ["192.168.1.0/24", "10.0.0.0/8", "fd00::/8", "172.16.0.0/12"])
    }

    func test_1_10_TakenOverPrefixGoesToTheNewOwnersTail() {
        let table = AllowedIPs<String>()
        table.insert(prefix("10.0.0.0/8"), for: "B")
        table.insert(prefix("192.168.0.0/16"), for: "A")
        table.insert(prefix("172.16.0.0/12"), for: "A")
        table.insert(prefix("10.0.0.0/8"), for: "A")
        XCTAssertEqual(table.prefixes(of: "A").map(\.description), ["192.168.0.0/16", "172.16.0.0/12", "10.0.0.0/8"])
    }

    // MARK: kernel selftest, second part: list contents read back masked (§1.3, §1.10)

    func test_1_10_SelftestReadBackIsMaskedAndComplete() {
        let table = AllowedIPs<String>()
        table.insert(prefix("192.95.5.93/27"), for: "a")
        table.insert(prefix6(0x2607_5300, 0x6000_6b00, 0, 0xc05f_0543, 128), for: "a")
        table.insert(prefix("10.1.0.20/29"), for: "a")
        table.insert(prefix6(0x2607_5300, 0x6d8a_6bf8, 0xdab1_f1df, 0xc05f_1523, 83), for: "a")
        table.insert(prefix6(0x2607_5300, 0x6d8a_6bf8, 0xdab1_f1df, 0xc05f_1523, 21), for: "a")
        XCTAssertEqual(table.prefixes(of: "a").map(\.description), [
            "192.95.5.64/27", "2607:5300:6000:6b00::c05f:543/128", "10.1.0.16/29",
            "2607:5300:6d8a:6bf8:dab1:e000::/83", "2607:5000::/21",
        ])
    }

    func test_1_9_DeepIPv6PathsDoNotOverflowAnything() {
        // The selftest's 128 host routes that differ in one bit each: a path of depth 128.
        let table = AllowedIPs<String>()
        for i in 0..<128 {
            let flipped = ~(UInt64(1) << UInt64(63 - i % 64))
            let address = i < 64 ? IPv6Address(high: flipped, low: .max) : IPv6Address(high: .max, low: flipped)
            table.insert(prefix6From(address, 128), for: "a")
        }
        XCTAssertEqual(table.count, 128)
        XCTAssertEqual(table.lookup(.v6(IPv6Address(high: .max, low: ~UInt64(1)))), "a")
        XCTAssertNil(table.lookup(.v6(IPv6Address(high: .max, low: .max))))
        table.removeAll(for: "a")
        XCTAssertTrue(table.isEmpty)
    }

    private func prefix6From(_ address: IPv6Address, _ length: Int) -> IPPrefix {
        (try? IPPrefix(address: .v6(address), length: length)) ?? .allIPv6
    }
}
