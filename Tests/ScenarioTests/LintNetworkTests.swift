import XCTest
@testable import Scenario

/// The whole-network lint rules (unknown-peer … psk-mismatch) on small networks of files, each
/// with a twin that is correct; the behavioural ones come from running the network.
final class LintNetworkTests: XCTestCase {
    static func priv(_ i: Int) -> String { LintRuleTests.priv(i) }
    static func pub(_ i: Int) -> String { LintRuleTests.pub(i) }

    func lint(_ files: [(String, String)], simulated: Bool = true) -> [LintFinding] {
        var notes: [String] = []
        let found = Lint.lintFiles(files, network: true, name: "t", origin: files[0].0, notes: &notes)
        XCTAssertEqual(notes.isEmpty, simulated, "\(notes)")
        return found
    }

    /// A hub (key 0, 10.0.0.1/24, port 51820) and spokes a (key 1, .2) and b (key 2, .3) that
    /// reach it at 198.51.100.1; each text can be changed by the test.
    func hub(hubPeerB: String = "10.0.0.3/32", spokeBAllowed: String = "10.0.0.0/24", spokeBAddress: String = "10.0.0.3/24",
             hubExtra: String = "", spokeAPeerExtra: String = "", hubPeerAExtra: String = "", spokeAEndpoint: String = "Endpoint = 198.51.100.1:51820",
             spokeBPrivate: Int = 2) -> [(String, String)] {
        [("hub.conf", "[Interface]\nPrivateKey = \(Self.priv(0))\nAddress = 10.0.0.1/24\nListenPort = 51820\n\(hubExtra)\n"
            + "[Peer]\nPublicKey = \(Self.pub(1))\nAllowedIPs = 10.0.0.2/32\n\(hubPeerAExtra)\n"
            + "[Peer]\nPublicKey = \(Self.pub(2))\nAllowedIPs = \(hubPeerB)\n"),
         ("a.conf", "[Interface]\nPrivateKey = \(Self.priv(1))\nAddress = 10.0.0.2/24\n\n"
            + "[Peer]\nPublicKey = \(Self.pub(0))\nAllowedIPs = 10.0.0.0/24\n\(spokeAEndpoint)\n\(spokeAPeerExtra)\n"),
         ("b.conf", "[Interface]\nPrivateKey = \(Self.priv(spokeBPrivate))\nAddress = \(spokeBAddress)\n\n"
            + "[Peer]\nPublicKey = \(Self.pub(0))\nAllowedIPs = \(spokeBAllowed)\nEndpoint = 198.51.100.1:51820\nPersistentKeepalive = 25\n")]
    }

    func errors(_ findings: [LintFinding]) -> [LintFinding] { findings.filter { $0.severity == .error } }

    func testACorrectHubAndSpokesHasNoErrors() {
        let found = lint(hub())
        XCTAssertEqual(errors(found), [], LintOutput.text(found))
    }

    func testTheShippedExampleNetworkWithoutMistakesHasNoErrors() throws {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Scenarios/networks/hq-branch-laptop")
        let report = Lint.run([folder.path])
        XCTAssertEqual(report.count(.error), 0, LintOutput.text(report.findings))
        XCTAssertEqual(report.notes, [])
    }

    func testUnknownPeerWhenTheOtherSideDoesNotListThisKey() {
        var files = hub()
        files[0].1 = files[0].1.replacingOccurrences(of: "PublicKey = \(Self.pub(1))", with: "PublicKey = \(Self.pub(4))")
        let found = lint(files).filter { $0.rule == "unknown-peer" }
        XCTAssertTrue(found.contains { $0.location.file == "a.conf" && $0.severity == .error && $0.related?.file == "hub.conf" }, LintOutput.text(found))
        var pasted = hub()
        pasted[1].1 = pasted[1].1.replacingOccurrences(of: "PublicKey = \(Self.pub(0))", with: "PublicKey = \(Self.priv(0))")
        XCTAssertTrue(lint(pasted).contains { $0.rule == "unknown-peer" && $0.message.contains("private key was pasted") })
    }

    func testSourceCheckDropWhenTheHubHasTheWrongAddressForASpoke() {
        let found = lint(hub(spokeBAddress: "10.0.0.9/24")).filter { $0.rule == "source-check-drop" }
        XCTAssertTrue(found.contains { $0.location == SourceLocation(file: "hub.conf", line: 10) && $0.related == SourceLocation(file: "b.conf", line: 3) },
                      LintOutput.text(found))
    }

    func testHubNoTransitWhenASpokeOnlyAcceptsTheHubsOwnAddress() {
        let found = lint(hub(spokeBAllowed: "10.0.0.1/32")).filter { $0.rule == "hub-no-transit" }
        XCTAssertTrue(found.contains { $0.location.file == "b.conf" && $0.message.contains("10.0.0.2") }, LintOutput.text(found))
        XCTAssertEqual(lint(hub()).filter { $0.rule == "hub-no-transit" }, [])
    }

    func testHubNoTransitWhenTheHubHasNoPeerForTheDestination() {
        let found = lint(hub(hubPeerB: "10.0.0.33/32")).filter { $0.rule == "hub-no-transit" }
        XCTAssertTrue(found.contains { $0.location.file == "hub.conf" && $0.message.contains("10.0.0.3") }, LintOutput.text(found))
    }

    func testAddressCollision() {
        let found = lint(hub(spokeBAddress: "10.0.0.2/24")).filter { $0.rule == "address-collision" }
        XCTAssertEqual(found.map(\.location), [SourceLocation(file: "b.conf", line: 3)])
        XCTAssertEqual(found.first?.related, SourceLocation(file: "a.conf", line: 3))
    }

    func testNoInitiatorWhenNeitherSideHasAnEndpointOrThePortIsWrong() {
        XCTAssertTrue(lint(hub(spokeAEndpoint: "")).contains { $0.rule == "no-initiator" && $0.severity == .error })
        XCTAssertTrue(lint(hub(spokeAEndpoint: "Endpoint = 198.51.100.1:51821")).contains { $0.rule == "no-initiator" && $0.severity == .warning })
        XCTAssertEqual(lint(hub()).filter { $0.rule == "no-initiator" }, [])
    }

    func testOverlappingLANsBehindTwoSites() {
        let found = lint(hub(hubPeerB: "10.0.0.3/32, 192.168.0.0/16", hubPeerAExtra: "AllowedIPs = 192.168.7.0/24")).filter { $0.rule == "overlapping-lans" }
        XCTAssertTrue(found.contains { $0.location.file == "hub.conf" && $0.severity == .error }, LintOutput.text(found))
        XCTAssertEqual(lint(hub(hubPeerB: "10.0.0.3/32, 192.168.8.0/24", hubPeerAExtra: "AllowedIPs = 192.168.7.0/24")).filter { $0.rule == "overlapping-lans" }, [])
    }

    func testSharedPrivateKey() {
        let found = lint(hub(spokeBPrivate: 1), simulated: false).filter { $0.rule == "shared-private-key" }
        XCTAssertEqual(found.map(\.location), [SourceLocation(file: "b.conf", line: 2)])
    }

    func testPresharedKeyOnOneSideOnlyOrDifferent() {
        let psk = "PresharedKey = \(Self.pub(4))"
        XCTAssertTrue(lint(hub(spokeAPeerExtra: psk)).contains { $0.rule == "psk-mismatch" && $0.severity == .error })
        XCTAssertTrue(lint(hub(spokeAPeerExtra: psk, hubPeerAExtra: "PresharedKey = \(Self.pub(3))")).contains { $0.rule == "psk-mismatch" })
        XCTAssertEqual(lint(hub(spokeAPeerExtra: psk, hubPeerAExtra: psk)).filter { $0.rule == "psk-mismatch" }, [])
    }

    func testKeepaliveWarningWhenOnlyOneSideCanStartAndNothingKeepsItsMappingOpen() {
        let found = lint(hub()).filter { $0.rule == "keepalive" }
        XCTAssertEqual(found.map(\.location), [SourceLocation(file: "a.conf", line: 8)], LintOutput.text(found))
        XCTAssertEqual(lint(hub(spokeAPeerExtra: "PersistentKeepalive = 25")).filter { $0.rule == "keepalive" }, [])
    }

    func testDynamicEndpointWarningWhenBothSidesUseHostNames() {
        var files = hub(hubPeerAExtra: "Endpoint = a.example.net:51820", spokeAEndpoint: "Endpoint = hub.example.net:51820")
        files[1].1 += "PersistentKeepalive = 25\n"
        XCTAssertTrue(lint(files, simulated: true).contains { $0.rule == "dynamic-endpoint" && $0.severity == .warning })
        XCTAssertFalse(lint(hub()).contains { $0.rule == "dynamic-endpoint" && $0.severity == .warning })
    }
}
