import NetAddress
import Sim
import XCTest
@testable import Scenario

/// wg-quick `.conf` files as wg(8)'s config.c and wg-quick(8)'s parse_options read them: every
/// key, CRLF, comments, case-insensitive keys, comma and blank lists, host-name endpoints; what
/// wgsim does not simulate is noted once per file; errors name the file and line.
final class WgQuickConfigTests: XCTestCase {
    static let key = "SAANRurSicGCBznn9oh3XpJJFFVKI88LlSNBFDz/QUg="
    static let psk = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="

    func parse(_ text: String) throws -> WireGuardInterface {
        try WgQuickConfig.parse(text, file: "n.conf", nodeNames: ["hub", "n"])
    }

    func read(_ text: String) throws -> WgQuickFile {
        try WgQuickConfig.read(text, file: "n.conf", nodeNames: ["hub", "n"])
    }

    func assertError(_ text: String, line: Int, _ fragment: String, file: StaticString = #filePath, at sourceLine: UInt = #line) {
        XCTAssertThrowsError(try parse(text), text, file: file, line: sourceLine) { error in
            let e = error as? ScenarioError
            XCTAssertEqual(e?.file, "n.conf", text, file: file, line: sourceLine)
            XCTAssertEqual(e?.line, line, "\(text) → \(String(describing: e))", file: file, line: sourceLine)
            XCTAssertTrue(e?.message.contains(fragment) ?? false, "\(text) → \(String(describing: e))", file: file, line: sourceLine)
        }
    }

    func testEveryKeyIsReadAndAllowedIPsLinesAccumulate() throws {
        let wg = try parse("""
        [Interface]
        PrivateKey = \(Self.key)
        listenport = 51999   # keys are case-insensitive
        Address = 10.0.0.2/24, fd00::2/64
        MTU = 1380
        Table = 1234
        FwMark = 0xca6c

        [peer]
        PublicKey = @hub
        PresharedKey = \(Self.psk)
        AllowedIPs = 10.0.0.0/24
        AllowedIPs = 192.168.0.0/16, fd00::/64
        Endpoint = 203.0.113.1:51820
        PersistentKeepalive = 25
        """)
        XCTAssertNotNil(wg.privateKey)
        XCTAssertEqual(wg.listenPort, 51999)
        XCTAssertEqual(wg.addresses.map(\.description), ["10.0.0.2/24", "fd00::2/64"])
        XCTAssertEqual(wg.mtu, 1380)
        XCTAssertEqual(wg.table, .number(1234))
        XCTAssertEqual(wg.fwmark, 0xca6c)
        XCTAssertEqual(wg.peers.count, 1)
        let peer = try XCTUnwrap(wg.peers.first)
        XCTAssertEqual(peer.peer, .node("hub"))
        XCTAssertEqual(peer.allowedIPs.map(\.description), ["10.0.0.0/24", "192.168.0.0/16", "fd00::/64"])
        XCTAssertEqual(peer.endpoint, .address(try Endpoint(parsing: "203.0.113.1:51820")))
        XCTAssertEqual(peer.persistentKeepalive, 25)
        XCTAssertNotNil(peer.presharedKey)
        XCTAssertEqual(wg.notes, [])
    }

    func testTableTakesAutoOffANumberOrABuiltInTableName() throws {
        XCTAssertEqual(try parse("[Interface]\n").table, .auto, "the default")
        let cases: [(String, WgQuickTable)] = [("auto", .auto), ("off", .off), ("51820", .number(51820)), ("main", .number(254)),
                                                 ("local", .number(255)), ("default", .number(253)), ("4294967295", .number(4294967295))]
        for (text, table) in cases {
            XCTAssertEqual(try parse("[Interface]\nTable = \(text)\n").table, table, text)
        }
        assertError("[Interface]\nTable = Off\n", line: 2, "wg-quick compares `auto` and `off` in lower case")
        assertError("[Interface]\nTable = vpn\n", line: 2, "give the table's number")
        assertError("[Interface]\nTable = 4294967296\n", line: 2, "Table must be")
    }

    func testFwMarkIsOffDecimalOrHexAsWgReadsIt() throws {
        XCTAssertEqual(try parse("[Interface]\n").fwmark, 0, "not given is off, as in wg")
        let cases: [(String, UInt32)] = [("off", 0), ("OFF", 0), ("0", 0), ("51820", 51820), ("0xca6c", 0xca6c), ("0xffffffff", .max)]
        for (text, mark) in cases {
            XCTAssertEqual(try parse("[Interface]\nFwMark = \(text)\n").fwmark, mark, text)
        }
        for bad in ["0x", "0xg1", "-1", "4294967296", "mark", "0x100000000"] {
            assertError("[Interface]\nFwMark = \(bad)\n", line: 2, "FwMark must be off")
        }
    }

    func testMTUIsReadAndCheckedAndRepeatedAddressLinesAccumulateWithCommasOrBlanks() throws {
        let wg = try parse("[Interface]\nMTU = 1280\nAddress = 10.0.0.1/24 , fd00::1/64\nAddress = 10.1.0.1/24 10.2.0.1\t10.3.0.1/16\n")
        XCTAssertEqual(wg.mtu, 1280)
        XCTAssertEqual(wg.addresses.map(\.description), ["10.0.0.1/24", "fd00::1/64", "10.1.0.1/24", "10.2.0.1/32", "10.3.0.1/16"])
        let file = try read("[Interface]\nAddress = 10.0.0.1/24,fd00::1/64\n\nAddress=10.1.0.1/24\n")
        XCTAssertEqual(file.addressLines, [2, 2, 4])
        assertError("[Interface]\nMTU = 100\n", line: 2, "MTU must be from 576 to 65535")
        assertError("[Interface]\nMTU = big\n", line: 2, "MTU must be")
        assertError("[Interface]\nAddress = 10.0.0.1/24, 10.0.0.300\n", line: 2, "Address '10.0.0.300'")
    }

    func testDNSScriptsAndSaveConfigAreReadAndNotedOncePerFile() throws {
        let wg = try parse("""
        [Interface]
        Address = 10.0.0.2/24
        DNS = 10.0.0.1, 1.1.1.1, corp.example.com
        PreUp = echo up # comments and all
        PostUp = iptables -A FORWARD -i %i -j ACCEPT; iptables -t nat -A POSTROUTING -o eth0 -j MASQUERADE
        PostUp = ip rule add from 10.0.0.0/24 table 100
        PreDown = echo down
        PostDown = iptables -D FORWARD -i %i -j ACCEPT
        SaveConfig = true
        DNS = 9.9.9.9
        """)
        XCTAssertEqual(wg.addresses.count, 1)
        XCTAssertEqual(wg.notes.count, 1, "\(wg.notes)")
        let note = try XCTUnwrap(wg.notes.first)
        XCTAssertEqual(note.location, SourceLocation(file: "n.conf", line: 3))
        XCTAssertEqual(note.description,
                       "note: n.conf:3: wgsim reads but does not simulate DNS (lines 3, 10), PreUp (line 4), PostUp (lines 5, 6), "
                       + "PreDown (line 7), PostDown (line 8), SaveConfig = true (line 9): no script is run, no resolver is set, "
                       + "the file is never written back")
        let many = try parse("[Interface]\n" + String(repeating: "PostUp = true\n", count: 7))
        XCTAssertEqual(many.notes.map(\.message), ["wgsim reads but does not simulate PostUp (lines 2, 3, 4, 5, 6 and 2 more): no script is run"])
        XCTAssertEqual(try parse("[Interface]\nSaveConfig = False\n").notes, [], "SaveConfig = false changes nothing")
        XCTAssertEqual(try parse("[Interface]\nSaveConfig = TRUE\n").notes.count, 1, "read_bool runs under nocasematch")
        assertError("[Interface]\nSaveConfig = yes\n", line: 2, "SaveConfig must be true or false")
    }

    func testCRLFLineEndsAndAByteOrderMarkReadAsLF() throws {
        let lf = "[Interface]\nPrivateKey = \(Self.key)\nAddress = 10.0.0.2/24\n\n[Peer]\nPublicKey = @hub\nAllowedIPs = 10.0.0.0/24\nEndpoint = 203.0.113.1:51820\n"
        let crlf = "\u{FEFF}" + lf.replacingOccurrences(of: "\n", with: "\r\n")
        let a = try parse(lf), b = try parse(crlf)
        XCTAssertEqual(b.privateKey, a.privateKey)
        XCTAssertEqual(b.addresses, a.addresses)
        XCTAssertEqual(b.peers.map(\.allowedIPs), a.peers.map(\.allowedIPs))
        XCTAssertEqual(b.peers.map(\.endpoint), a.peers.map(\.endpoint))
        XCTAssertEqual(b.peers.map(\.location), a.peers.map(\.location), "lines count the same")
        assertError("[Interface]\r\nAdress = 10.0.0.2/24\r\n", line: 2, "unknown [Interface] key 'Adress' (did you mean 'Address'?)")
    }

    func testCommentsMayFollowAnyValueAndHideWholeSections() throws {
        let wg = try parse("""
        # a whole-line comment
        [Interface] # the device
        Address = 10.0.0.2/24 # tunnel address
        #[Peer]
        #PublicKey = not a key
        [Peer]
          PublicKey = @hub   # indented, with a comment
        AllowedIPs = 10.0.0.0/24 # the tunnel # and more
        """)
        XCTAssertEqual(wg.addresses.map(\.description), ["10.0.0.2/24"])
        XCTAssertEqual(wg.peers.count, 1)
        XCTAssertEqual(wg.peers.first?.allowedIPs.map(\.description), ["10.0.0.0/24"])
    }

    func testKeysAndSectionsAreCaseInsensitiveAndWgKeysIgnoreBlanksAsWgDoes() throws {
        let wg = try parse("""
        [ INTERFACE ]
        PRIVATEKEY=\(Self.key)
        address = 10.0.0.2/24
        Listen Port = 51821
        [pEeR]
        publickey = @hub
        Allowed IPs = 10.0.0.0/24,  192.168.0.0/16
        endPOINT = 203.0.113.1 : 51820
        persistentkeepalive = Off
        """)
        XCTAssertNotNil(wg.privateKey)
        XCTAssertEqual(wg.listenPort, 51821)
        XCTAssertEqual(wg.addresses.count, 1)
        XCTAssertEqual(wg.peers.first?.allowedIPs.count, 2)
        XCTAssertEqual(wg.peers.first?.endpoint, .address(try Endpoint(parsing: "203.0.113.1:51820")))
        XCTAssertEqual(wg.peers.first?.persistentKeepalive, 0)
    }

    func testEndpointsAreAddressesOrHostNamesAsWgSplitsThem() throws {
        func endpoint(_ text: String) throws -> WgQuickEndpoint? {
            try read("[Interface]\n[Peer]\nPublicKey = @hub\nEndpoint = \(text)\n").peers.first?.endpoint
        }
        XCTAssertEqual(try endpoint("198.51.100.7:51820"), .address(try Endpoint(parsing: "198.51.100.7:51820")))
        XCTAssertEqual(try endpoint("[2001:db8::1]:51820"), .address(try Endpoint(parsing: "[2001:db8::1]:51820")))
        XCTAssertEqual(try endpoint("2001:db8::1:51820"), .address(try Endpoint(parsing: "[2001:db8::1]:51820")),
                       "wg splits at the last colon, so an unbracketed IPv6 address with a port works")
        XCTAssertEqual(try endpoint("vpn.example.com:51820"), .host("vpn.example.com", port: 51820))
        XCTAssertEqual(try endpoint("VPN.Example.COM:443"), .host("vpn.example.com", port: 443), "names are not case-sensitive")
        XCTAssertEqual(try endpoint("[my-gw.lan]:51820"), .host("my-gw.lan", port: 51820), "wg takes a name in brackets too")
        XCTAssertEqual(try endpoint("gateway:51820"), .host("gateway", port: 51820))
        XCTAssertEqual(try endpoint("hub"), .node("hub", port: nil), "extension: a node's name")
        XCTAssertEqual(try endpoint("@hub:51821"), .node("hub", port: 51821))
        let bad: [(String, String)] = [
            ("vpn.example.com", "no port"), ("vpn.example.com:", "no port"), ("vpn.example.com:http", "is not a number"),
            ("[2001:db8::1]51820", "no port after ']'"), ("[2001:db8::1:51820", "no ']'"), ("300.1.1.1:51820", "neither an IP address nor a host name"),
            ("bad!host:51820", "neither an IP address nor a host name"), (":51820", "no host"), ("10.0.0.1:70000", "not a number from 0 to 65535"),
        ]
        for (text, fragment) in bad {
            assertError("[Interface]\n[Peer]\nPublicKey = @hub\nEndpoint = \(text)\n", line: 4, fragment)
        }
    }

    func testAHostNameInAScenarioConfigIsThePeersNodeOrLeftUnsetWithANote() throws {
        let named = try parse("[Interface]\n[Peer]\nPublicKey = @hub\nEndpoint = vpn.example.com:51820\n")
        XCTAssertEqual(named.peers.first?.endpoint, .node("hub"))
        XCTAssertEqual(named.notes.map(\.description),
                       ["note: n.conf:4: Endpoint vpn.example.com:51820 is taken as node 'hub', this peer's node: wgsim looks no host name up"])
        let bare = try parse("[Interface]\n[Peer]\nPublicKey = \(Self.psk)\nEndpoint = vpn.example.com:51820\n")
        XCTAssertNil(bare.peers.first?.endpoint)
        XCTAssertEqual(bare.notes.count, 1)
        XCTAssertTrue(bare.notes[0].description.hasPrefix("note: n.conf:4: Endpoint vpn.example.com:51820 is a host name wgsim cannot tie"),
                      bare.notes[0].description)
    }

    func testEndpointMayNameANodeAndPrivateKeyMayBeDerived() throws {
        let wg = try parse("[Interface]\nAddress = 10.0.0.2/32\n[Peer]\nPublicKey = @hub\nEndpoint = hub:51820\n")
        XCTAssertNil(wg.privateKey)
        XCTAssertEqual(wg.peers.first?.endpoint, .node("hub"))
    }

    func testARepeatedKeyKeepsTheLaterValueAsWgDoesAndSaysSo() throws {
        let wg = try parse("[Interface]\nListenPort = 1000\nListenPort = 2000\n[Peer]\nPublicKey = @n\nPublicKey = @hub\nEndpoint = 192.0.2.1:1\nEndpoint = 192.0.2.2:2\n")
        XCTAssertEqual(wg.listenPort, 2000)
        XCTAssertEqual(wg.peers.first?.peer, .node("hub"))
        XCTAssertEqual(wg.peers.first?.endpoint, .address(try Endpoint(parsing: "192.0.2.2:2")))
        XCTAssertEqual(wg.notes.map(\.description), [
            "note: n.conf:3: ListenPort is given again (earlier at line 2); as in wg, the later value counts",
            "note: n.conf:6: PublicKey is given again (earlier at line 5); as in wg, the later value counts",
            "note: n.conf:8: Endpoint is given again (earlier at line 7); as in wg, the later value counts",
        ])
    }

    func testASecondInterfaceSectionContinuesTheFirstAsInWg() throws {
        let wg = try parse("[Interface]\nAddress = 10.0.0.1/24\n[Peer]\nPublicKey = @hub\n[Interface]\nListenPort = 1234\nAddress = 10.1.0.1/24\n")
        XCTAssertEqual(wg.listenPort, 1234)
        XCTAssertEqual(wg.addresses.count, 2)
        XCTAssertEqual(wg.peers.count, 1)
        XCTAssertEqual(try parse("[Peer]\nPublicKey = @hub\n").peers.count, 1, "a file of peers only is valid for wg")
    }

    func testErrorsNameTheLine() {
        let cases: [(String, Int, String)] = [
            ("[Interface]\nAddress = 10.0.0.2/33\n", 2, "Address '10.0.0.2/33'"),
            ("[Interface]\nPrivateKey = short\n", 2, "PrivateKey"),
            ("[Interface]\n[Peer]\nPublicKey = @nobody\n", 3, "no node named 'nobody'"),
            ("[Interface]\n[Peer]\nAllowedIPs = 10.0.0.0/8\n", 2, "[Peer] needs a PublicKey"),
            ("[Interface]\nTable = sometimes\n", 2, "Table must be auto, off, a table number"),
            ("[Interface]\n[Peer]\nPublicKey = @hub\nAddress = 10.0.0.1/24\n", 4, "Address belongs in [Interface], not in [Peer]"),
            ("[Interface]\nEndpoint = 192.0.2.1:51820\n", 2, "Endpoint belongs in [Peer], not in [Interface]"),
            ("[Interface]\nPostUpp = true\n", 2, "(did you mean 'PostUp'?)"),
            ("[Interface]\nListenPort = wireguard\n", 2, "ListenPort must be a number"),
            ("[Interface]\nthis is not a key\n", 2, "expected `Key = Value`"),
            ("[Intreface]\n", 1, "unknown section [Intreface]"),
            ("Address = 10.0.0.1\n", 1, "before any [Interface]"),
            ("# nothing but a comment\n", 1, "no [Interface] or [Peer] section"),
            ("[Interface]\n[Peer]\nPublicKey = @hub\nPersistentKeepalive = often\n", 4, "PersistentKeepalive"),
            ("[Interface]\n[Peer]\nPublicKey = @hub\nPresharedKey = \n", 4, "PresharedKey"),
            ("[Interface]\n[Peer]\nPublicKey = @hub\nAllowedIPs = 10.0.0.0/8, 10.0.0.0/99\n", 4, "AllowedIPs '10.0.0.0/99'"),
        ]
        for (text, line, fragment) in cases { assertError(text, line: line, fragment) }
    }
}
