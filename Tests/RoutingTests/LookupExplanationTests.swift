import Routing
import XCTest

/// The words `explain` prints: the verdict, then every matching prefix and why it won or lost (§1.7).
final class LookupExplanationTests: XCTestCase {
    func testSingleMatchIsTheOnlyCandidate() {
        let table = AllowedIPs<String>()
        table.insert(prefix("10.0.0.0/8"), for: "A")
        let explanation = table.explanation(for: ip("10.1.2.3"))
        XCTAssertEqual(explanation.winner?.peer, "A")
        XCTAssertEqual(explanation.candidates.count, 0)
        XCTAssertEqual(explanation.lines { $0 }, [
            "10.1.2.3: peer A via 10.0.0.0/8",
            "  10.0.0.0/8  A: chosen — the only allowed IP that contains 10.1.2.3",
        ])
    }

    func testNoMatchNamesTheFamilyTrie() {
        let table = AllowedIPs<String>()
        table.insert(prefix("0.0.0.0/0"), for: "A")
        let lines = table.explanation(for: ip("2001:db8::1")).lines { $0 }
        XCTAssertEqual(lines, ["2001:db8::1: no peer — no allowed IP in the IPv6 trie contains 2001:db8::1; "
                               + "a packet to it is dropped (send) or refused (receive)"])
    }

    func testLosersAreListedMostSpecificFirstWithTheReason() {
        let table = AllowedIPs<String>()
        table.insert(prefix("0.0.0.0/0"), for: "D")
        table.insert(prefix("192.168.32.0/24"), for: "ABCD")
        table.insert(prefix("192.168.32.19/32"), for: "EFGH")
        let explanation = table.explanation(for: ip("192.168.32.19"))
        XCTAssertEqual(explanation.candidates.map(\.peer), ["ABCD", "D"])
        let lines = explanation.lines { $0 }
        XCTAssertEqual(lines.count, 4)
        XCTAssertTrue(lines[3].contains("/0 also contains 192.168.32.19 but is less specific than /32"), lines[3])
    }
}
