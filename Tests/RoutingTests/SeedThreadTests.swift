import Routing
import XCTest

/// The two examples from the founding thread (Jason A. Donenfeld, wireguard list, 2016-07-05),
/// written as the commands he gave.
final class SeedThreadTests: XCTestCase {
    private func wgSet(_ table: AllowedIPs<String>, peer: String, allowedIPs: String) throws {
        try AllowedIPsUpdate(parsing: allowedIPs).apply(to: table, peer: peer)
    }

    /// "After the first command ABCD has 192.168.32.19/32. After the second command, ABCD has no
    /// allowed ips, and EFGH has 192.168.32.19/32."
    func testSameHostRouteForASecondPeerMovesIt() throws {
        let table = AllowedIPs<String>()
        try wgSet(table, peer: "ABCD", allowedIPs: "192.168.32.19/32")
        XCTAssertEqual(table.prefixes(of: "ABCD").map(\.description), ["192.168.32.19/32"])
        try wgSet(table, peer: "EFGH", allowedIPs: "192.168.32.19/32")
        XCTAssertEqual(table.prefixes(of: "ABCD"), [])
        XCTAssertEqual(table.prefixes(of: "EFGH").map(\.description), ["192.168.32.19/32"])
        XCTAssertEqual(table.lookup(ip("192.168.32.19")), "EFGH")
    }

    /// "ABCD will have 192.168.32.0/24 and EFGH will have 192.168.32.19/32. However, when sending
    /// packets, the routing table lookups will always match on the most specific match, so ABCD
    /// will not be able to send or receive packets for 192.168.32.19/32."
    func testMostSpecificMatchWinsForSendAndReceive() throws {
        let table = AllowedIPs<String>()
        try wgSet(table, peer: "ABCD", allowedIPs: "192.168.32.0/24")
        try wgSet(table, peer: "EFGH", allowedIPs: "192.168.32.19/32")
        XCTAssertEqual(table.prefixes(of: "ABCD").map(\.description), ["192.168.32.0/24"])
        XCTAssertEqual(table.prefixes(of: "EFGH").map(\.description), ["192.168.32.19/32"])
        // Send: the destination 192.168.32.19 goes to EFGH.
        XCTAssertEqual(table.lookup(ip("192.168.32.19")), "EFGH")
        // Receive: a packet from 192.168.32.19 decrypted with ABCD's key is dropped.
        // (the receive filter is the same lookup on the source, compared with the decrypting peer).
        XCTAssertNotEqual(table.lookup(ip("192.168.32.19")), "ABCD")
        // The rest of the /24 is still ABCD's, for sending and receiving.
        XCTAssertEqual(table.lookup(ip("192.168.32.20")), "ABCD")
    }
}
