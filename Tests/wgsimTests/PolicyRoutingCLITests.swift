import Foundation
import XCTest

/// `wgsim show` prints the policy rules as `ip rule` does; `wgsim explain` names the rule that
/// chose the table for the encrypted packet, and says when it loops.
final class PolicyRoutingCLITests: XCTestCase {
    func testShowPrintsWgQuickRulesAndTheExtraTable() throws {
        let result = try CLIRunner.run(["show", "Scenarios/full-tunnel-policy-routing.yaml", "--node", "laptop", "--at", "2s"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.contains("  fwmark: 0xca6c\n"), result.stdout)
        XCTAssertTrue(result.stdout.contains("""
        # ip rule
        0:\tfrom all lookup local
        32764:\tfrom all lookup main suppress_prefixlength 0
        32765:\tnot from all fwmark 0xca6c lookup 51820
        32766:\tfrom all lookup main
        32767:\tfrom all lookup default

        """), result.stdout)
        XCTAssertTrue(result.stdout.contains("default dev wg0 table 51820\n"), result.stdout)
    }

    func testShowPrintsTheDefaultRulesWithoutASlash0() throws {
        let result = try CLIRunner.run(["show", "Scenarios/full-tunnel-policy-routing.yaml", "--node", "halves-laptop"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.contains("# ip rule\n0:\tfrom all lookup local\n32766:\tfrom all lookup main\n32767:\tfrom all lookup default\n"),
                      result.stdout)
        XCTAssertFalse(result.stdout.contains("fwmark"), result.stdout)
    }

    func testExplainNamesTheRuleThatRoutesTheEncryptedPacketToEth0() throws {
        let result = try CLIRunner.run(["explain", "Scenarios/full-tunnel-policy-routing.yaml", "--node", "laptop", "--at", "2s", "9.9.9.9"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.contains("3. the encrypted packet to vpn's endpoint 203.0.113.66:51820 (fwmark 0xca6c"), result.stdout)
        XCTAssertTrue(result.stdout.contains("rule 32764 (from all lookup main suppress_prefixlength 0): found default dev eth0, but its prefix is /0"), result.stdout)
        XCTAssertTrue(result.stdout.contains("rule 32765 (not from all fwmark 0xca6c lookup 51820): does not apply"), result.stdout)
        XCTAssertTrue(result.stdout.contains("rule 32766 (from all lookup main): table main chooses default dev eth0"), result.stdout)
        XCTAssertTrue(result.stdout.contains("→ the datagram leaves through eth0."), result.stdout)
    }

    func testExplainShowsTheLoop() throws {
        let result = try CLIRunner.run(["explain", "Scenarios/endpoint-inside-allowed-ips.yaml", "--node", "laptop", "--at", "2s", "10.99.0.1"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.contains("rule 32766 (from all lookup main): table main chooses 10.0.0.0/8 dev wg0"), result.stdout)
        XCTAssertTrue(result.stdout.contains("routing loop, dropped (dropped-routing-loop)"), result.stdout)
    }
}
