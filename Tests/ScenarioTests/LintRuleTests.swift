import XCTest
@testable import Scenario

/// Each `wgsim lint` rule on a file that triggers it and on a clean twin that does not.
final class LintRuleTests: XCTestCase {
    // Fixed key pairs (private, public), made with `wgsim genkey | wgsim pubkey`.
    static let keys: [(priv: String, pub: String)] = [
        ("SJwIJoJYGcarLE1DHLxu8SG2yNnOGHE9e+Z8WsSKnnc=", "cpAt8/Ryk28IRQRZ7davqUWIMrp2x2iby4Wbvvngvik="),
        ("yAz2fg35jkZ7Wa2RT/OWmJRaTLdahINz5xdHBdyRpEo=", "BlLVyWxFOASfjVY0R/wr8oYweMi8mBsk5dTMcBDOeWs="),
        ("4EUXSTt5CciX8jdAlUVsli3fv0cR7XbGKKRNyEWN7UY=", "MIQI+U78aQt/5P/g64gP7CmfyawNgRj9faXlsWC7/EU="),
        ("WLhj5liQNAopFGyjpIwq7PMKUUySNwY37UpA9BlUlFc=", "zCzSSR+O+Zbgm2QyKZHLc4eBG2WZ28Ltx1X3dJ0u7D0="),
        ("MOp3gFK+1wiYaT4a1QefvxZiVpSt+sJbMiJq4g23JUg=", "4U+hmqOuwLPSxFruH7aYqHXtxUSdihJLcYKb3ut/Sxw="),
    ]
    static func priv(_ i: Int) -> String { keys[i].priv }
    static func pub(_ i: Int) -> String { keys[i].pub }

    /// Lints files given as (name, text), as one network when there are several.
    func lint(_ files: [(String, String)]) -> [LintFinding] {
        var notes: [String] = []
        return Lint.lintFiles(files, network: files.count > 1, name: "t", origin: files[0].0, notes: &notes)
    }
    func lint(_ text: String) -> [LintFinding] { lint([("wg0.conf", text)]) }
    func rules(_ findings: [LintFinding]) -> Set<String> { Set(findings.map(\.rule)) }

    func assertFinds(_ rule: String, _ text: String, severity: LintSeverity? = nil, line: Int? = nil,
                     file: StaticString = #filePath, lineNumber: UInt = #line) {
        let found = lint(text).filter { $0.rule == rule }
        XCTAssertFalse(found.isEmpty, "no \(rule) in:\n\(LintOutput.text(lint(text)))", file: file, line: lineNumber)
        if let severity { XCTAssertTrue(found.contains { $0.severity == severity }, "\(found)", file: file, line: lineNumber) }
        if let line { XCTAssertTrue(found.contains { $0.location.line == line }, "\(found)", file: file, line: lineNumber) }
    }
    func assertClean(_ rule: String, _ text: String, file: StaticString = #filePath, lineNumber: UInt = #line) {
        let found = lint(text).filter { $0.rule == rule }
        XCTAssertTrue(found.isEmpty, LintOutput.text(found), file: file, line: lineNumber)
    }

    /// A client with one server peer; `peer` and `interface` add lines.
    func client(interface: String = "", peer: String = "AllowedIPs = 10.0.0.1/32", extraPeers: String = "") -> String {
        "[Interface]\nPrivateKey = \(Self.priv(0))\nAddress = 10.0.0.2/24\n\(interface)\n[Peer]\nPublicKey = \(Self.pub(1))\n\(peer)\n\(extraPeers)"
    }

    func testACleanCorrectConfigurationHasNoFindingsAtAll() {
        let text = client(peer: "AllowedIPs = 10.0.0.1/32, 10.20.0.0/16\nEndpoint = 198.51.100.7:51820")
        XCTAssertEqual(lint(text), [], LintOutput.text(lint(text)))
    }

    func testDuplicatePrefixNamesTheEarlierPeerAndItsLossOfEverything() {
        let text = client(peer: "AllowedIPs = 10.0.0.3/32", extraPeers: "[Peer]\nPublicKey = \(Self.pub(2))\nAllowedIPs = 10.0.0.3/32\n")
        let found = lint(text).filter { $0.rule == "duplicate-prefix" }
        XCTAssertEqual(found.count, 2, "\(found)")
        XCTAssertEqual(found.first { $0.location.line == 10 }?.related?.line, 7)
        XCTAssertTrue(found.contains { $0.message.contains("(none)") })
        XCTAssertTrue(found.allSatisfy { $0.severity == .error })
        assertClean("duplicate-prefix", client(peer: "AllowedIPs = 10.0.0.3/32", extraPeers: "[Peer]\nPublicKey = \(Self.pub(2))\nAllowedIPs = 10.0.0.4/32\n"))
    }

    func testSeveralDefaultRoutesOnOneInterfaceAreADuplicatePrefix() {
        let text = client(peer: "AllowedIPs = 0.0.0.0/0, ::/0", extraPeers: "[Peer]\nPublicKey = \(Self.pub(2))\nAllowedIPs = 0.0.0.0/0\n")
        XCTAssertTrue(lint(text).contains { $0.rule == "duplicate-prefix" && $0.message.contains("default route") })
    }

    func testHostBitsAreAWarningAndMaskedDuplicatesAnError() {
        assertFinds("host-bits", client(peer: "AllowedIPs = 10.0.0.1/24"), severity: .warning, line: 7)
        assertClean("host-bits", client(peer: "AllowedIPs = 10.0.0.0/24"))
        let masked = client(peer: "AllowedIPs = 10.0.0.3/27", extraPeers: "[Peer]\nPublicKey = \(Self.pub(2))\nAllowedIPs = 10.0.0.4/27\n")
        XCTAssertTrue(lint(masked).contains { $0.rule == "duplicate-prefix" && $0.severity == .error })
    }

    func testShadowedPrefixIsInfoForAnExitAndWarningForTwoSiteLANs() {
        let exit = client(peer: "AllowedIPs = 0.0.0.0/0, ::/0", extraPeers: "[Peer]\nPublicKey = \(Self.pub(2))\nAllowedIPs = 192.168.40.0/24\n")
        assertFinds("shadowed-prefix", exit, severity: .info, line: 10)
        let sites = client(peer: "AllowedIPs = 172.16.0.0/16", extraPeers: "[Peer]\nPublicKey = \(Self.pub(2))\nAllowedIPs = 172.16.5.0/24\n")
        assertFinds("shadowed-prefix", sites, severity: .warning, line: 10)
        assertClean("shadowed-prefix", client(peer: "AllowedIPs = 172.16.0.0/24", extraPeers: "[Peer]\nPublicKey = \(Self.pub(2))\nAllowedIPs = 172.17.0.0/24\n"))
    }

    func testEndpointInsideAllowedIPsUnlessALiteralDefaultRouteWithTableAuto() {
        assertFinds("endpoint-in-allowed-ips", client(peer: "AllowedIPs = 198.51.100.0/24\nEndpoint = 198.51.100.7:51820"), severity: .error, line: 8)
        assertFinds("endpoint-in-allowed-ips", client(peer: "AllowedIPs = 0.0.0.0/1, 128.0.0.0/1, ::/0\nEndpoint = 198.51.100.7:51820"))
        assertClean("endpoint-in-allowed-ips", client(peer: "AllowedIPs = 0.0.0.0/0, ::/0\nEndpoint = 198.51.100.7:51820"))
        assertFinds("endpoint-in-allowed-ips", client(interface: "Table = 1234", peer: "AllowedIPs = 0.0.0.0/0, ::/0\nEndpoint = 198.51.100.7:51820"))
    }

    func testIPv6LeakWhenAllIPv4GoesInAndIPv6DoesNot() {
        assertFinds("ipv6-leak", client(peer: "AllowedIPs = 0.0.0.0/1, 128.0.0.0/1"), severity: .warning)
        assertClean("ipv6-leak", client(interface: "Address = fd00::2/64", peer: "AllowedIPs = 0.0.0.0/0, ::/0"))
        assertClean("ipv6-leak", client(peer: "AllowedIPs = 10.0.0.0/8"))
    }

    func testAddressWithoutPrefixAndHubWithSlash32() {
        let bare = "[Interface]\nPrivateKey = \(Self.priv(0))\nAddress = 10.0.0.2\n[Peer]\nPublicKey = \(Self.pub(1))\nAllowedIPs = 10.0.0.1/32\n"
        assertFinds("address-prefix", bare, severity: .info, line: 3)
        let hub = "[Interface]\nPrivateKey = \(Self.priv(0))\nAddress = 10.0.0.1/32\nListenPort = 51820\n"
            + "[Peer]\nPublicKey = \(Self.pub(1))\nAllowedIPs = 10.0.0.2/32\n[Peer]\nPublicKey = \(Self.pub(2))\nAllowedIPs = 10.0.0.3/32\n"
        assertFinds("address-prefix", hub, severity: .warning, line: 3)
        assertClean("address-prefix", hub.replacingOccurrences(of: "10.0.0.1/32", with: "10.0.0.1/24"))
    }

    func testMTU() {
        assertFinds("mtu", client(interface: "MTU = 1500"), severity: .warning)
        assertFinds("mtu", client(interface: "Address = fd00::2/64\nMTU = 1200"), severity: .error)
        assertClean("mtu", client(interface: "MTU = 1420"))
    }

    func testKeepaliveWithoutEndpoint() {
        assertFinds("keepalive", client(peer: "AllowedIPs = 10.0.0.1/32\nPersistentKeepalive = 25"), severity: .info, line: 8)
        assertClean("keepalive", client(peer: "AllowedIPs = 10.0.0.1/32\nEndpoint = 198.51.100.7:51820\nPersistentKeepalive = 25"))
    }

    func testDuplicateAndOwnPublicKeys() {
        let duplicate = client(extraPeers: "[Peer]\nPublicKey = \(Self.pub(1))\nAllowedIPs = 10.0.0.9/32\n")
        assertFinds("duplicate-public-key", duplicate, severity: .error, line: 9)
        assertClean("duplicate-public-key", client(extraPeers: "[Peer]\nPublicKey = \(Self.pub(2))\nAllowedIPs = 10.0.0.9/32\n"))
        let own = "[Interface]\nPrivateKey = \(Self.priv(0))\nAddress = 10.0.0.2/24\n[Peer]\nPublicKey = \(Self.pub(0))\nAllowedIPs = 10.0.0.1/32\n"
        assertFinds("own-public-key", own, severity: .error, line: 5)
        let swapped = own.replacingOccurrences(of: "PublicKey = \(Self.pub(0))", with: "PublicKey = \(Self.priv(0))")
        XCTAssertTrue(lint(swapped).contains { $0.rule == "own-public-key" && $0.message.contains("PrivateKey") })
        assertClean("own-public-key", client())
    }

    func testBadKeysAreFindingsNotRefusals() {
        XCTAssertNil(LintFileRules.keyProblem(Self.pub(1)))
        XCTAssertNotNil(LintFileRules.keyProblem(String(Self.pub(1).dropLast())))
        XCTAssertNotNil(LintFileRules.keyProblem(String(Self.pub(1).dropLast(2)) + "B="), "43rd character carries bits past 32 bytes")
        XCTAssertNotNil(LintFileRules.keyProblem(""))
        let truncated = client().replacingOccurrences(of: Self.pub(1), with: String(Self.pub(1).prefix(30)))
        assertFinds("bad-key", truncated, severity: .error, line: 6)
        assertFinds("bad-key", client(peer: "AllowedIPs = 10.0.0.1/32\nPresharedKey ="), line: 8)
        assertFinds("bad-key", "[Interface]\nAddress = 10.0.0.2/24\n", line: 1)
        assertFinds("bad-key", client().replacingOccurrences(of: "PublicKey = \(Self.pub(1))", with: "PublicKey = \"\(Self.pub(1))\""), severity: .warning)
        // The rest of the file is still checked.
        XCTAssertTrue(rules(lint(truncated + "[Peer]\nPublicKey = \(Self.pub(2))\nAllowedIPs = 10.0.0.1/32\n")).contains("duplicate-prefix"))
    }

    func testDNSOutsideTheTunnelAndFullTunnelWithoutDNS() {
        assertFinds("dns", client(interface: "DNS = 10.0.0.53"), severity: .warning)
        assertClean("dns", client(interface: "DNS = 10.0.0.1"))
        assertFinds("dns", client(peer: "AllowedIPs = 0.0.0.0/0, ::/0"), severity: .info)
        assertClean("dns", client(interface: "DNS = 10.0.0.1", peer: "AllowedIPs = 0.0.0.0/0, ::/0"))
    }

    func testHooksWithoutUndoSaveConfigAndTableOff() {
        assertFinds("hooks", client(interface: "PostUp = iptables -A FORWARD -i %i -j ACCEPT"), severity: .warning)
        assertClean("hooks", client(interface: "PostUp = iptables -A FORWARD -i %i -j ACCEPT\nPostDown = iptables -D FORWARD -i %i -j ACCEPT"))
        assertClean("hooks", client(interface: "PostUp = ip rule add fwmark 1 table 7; ip route add default dev %i table 7\nPostDown = ip rule del fwmark 1 table 7; ip route del default dev %i table 7"))
        assertFinds("hooks", client(interface: "PostUp = iptables -t nat -A POSTROUTING -j MASQUERADE\nPostDown = iptables -t nat -D POSTROUTING -j MASQUERADE"))
        assertFinds("hooks", client(interface: "SaveConfig = true"), severity: .warning)
        assertFinds("hooks", client(interface: "Table = off"), severity: .info)
        assertClean("hooks", client(interface: "SaveConfig = false"))
    }

    func testStructuralMistakesEachGetALine() {
        let text = "Address = 1.2.3.4/32\n[Interface]\nPrivateKey = \(Self.priv(0))\nAllowedIPs = 10.0.0.2/32\nListenPort = 70000\nListenprot = 1\n"
            + "[Peer]\nPublicKey = \(Self.pub(1))\nAllowedIPs = 10.0.0.1/32\nEndpoint = 198.51.100.7\nthis is junk\n[Pear]\n"
        let found = lint(text).filter { $0.rule == "structure" }
        XCTAssertEqual(Set(found.map(\.location.line)), [1, 4, 5, 6, 10, 11, 12], LintOutput.text(found))
        XCTAssertTrue(found.contains { $0.message.contains("unknown [Interface] key 'Listenprot'") }, LintOutput.text(found))
        assertFinds("structure", client(peer: "Endpoint = 198.51.100.7:51820"), severity: .warning)
        assertClean("structure", client())
        XCTAssertTrue(lint([("a-very-long-interface-name.conf", client())]).contains { $0.rule == "structure" && $0.location.line == 1 })
    }

    func testLocalLANAndDynamicEndpoint() {
        assertFinds("local-lan", client(peer: "AllowedIPs = 192.168.1.0/24"), severity: .info)
        assertFinds("local-lan", client(peer: "AllowedIPs = 192.168.0.0/16"))
        assertClean("local-lan", client(peer: "AllowedIPs = 192.168.66.0/24"))
        assertFinds("dynamic-endpoint", client(peer: "AllowedIPs = 10.0.0.1/32\nEndpoint = home.example.org:51820"), severity: .info, line: 8)
        assertClean("dynamic-endpoint", client(peer: "AllowedIPs = 10.0.0.1/32\nEndpoint = 198.51.100.7:51820"))
    }
}
