import WireGuard
import XCTest

/// `SeededRandom`'s state is the BLAKE2s digest of "wgsim seed SEED label LABEL", read as four
/// big-endian words; the label may be given in two parts (`init(seed:label:then:)`), which
/// hash as the label they make together.
final class SeededRandomLabelTests: XCTestCase {
    private func draws(_ random: SeededRandom, count: Int = 3) -> [UInt64] {
        var random = random
        return (0..<count).map { _ in random.next() }
    }

    /// Seeds of one digit and of twenty, an empty label, one of multi-byte characters and one
    /// longer than a BLAKE2s block: the first draws, computed outside Swift from the definition
    /// (Python's hashlib, as `SeededRandomTests.testFirstOutputsArePinned`).
    func testEdgeSeedsAndLabelsArePinned() {
        XCTAssertEqual(draws(SeededRandom(seed: 0, label: "")),
                       [0xe43e_f6c8_d9c1_650d, 0x657b_886b_5138_5843, 0x67c3_005b_5346_0d6d])
        XCTAssertEqual(draws(SeededRandom(seed: .max, label: "p999999/static")),
                       [0xe5b2_0f2a_00ae_3e0c, 0x29c6_8cf2_8385_3010, 0x9860_822d_2276_7e90])
        XCTAssertEqual(draws(SeededRandom(seed: 10, label: "ünïcödé/☃")),
                       [0x7fbf_37fe_eba3_b24f, 0x20c9_148f_0fcd_e150, 0x6572_be9c_16c1_7e6a])
        XCTAssertEqual(draws(SeededRandom(seed: 100, label: String(repeating: "x", count: 300))),
                       [0xdaa3_adf1_45db_d14f, 0xa5fe_a575_cd5e_0b1d, 0x0822_6a5d_6c00_52ec])
    }

    func testALabelInTwoPartsIsTheLabelTheyMake() {
        XCTAssertEqual(draws(SeededRandom(seed: .max, label: "p999999", then: "/static")),
                       [0xe5b2_0f2a_00ae_3e0c, 0x29c6_8cf2_8385_3010, 0x9860_822d_2276_7e90])
        for (first, second) in [("hub", "/wireguard"), ("p0", "/static"), ("", ""), ("", "/x"), ("name-with-ü", ""),
                                (String(repeating: "n", count: 40), "/wireguard")] {
            XCTAssertEqual(draws(SeededRandom(seed: 42, label: first, then: second)),
                           draws(SeededRandom(seed: 42, label: first + second)), "\(first) + \(second)")
        }
        XCTAssertNotEqual(draws(SeededRandom(seed: 42, label: "a", then: "b")),
                          draws(SeededRandom(seed: 42, label: "b", then: "a")))
    }
}
