import XCTest
@testable import Sim
import NetAddress
import WireGuard

/// Key pairs derived ahead beside a loader (`DerivedKeyPairs`) settle a node list exactly as
/// `Simulation.prepareKeys` derives them itself, and are used only for the seed they were
/// started with and the names they were derived from.
final class DerivedKeyPairsTests: XCTestCase {
    private func specs(_ count: Int) -> [NodeSpec] {
        (0..<count).map { i in
            NodeSpec(name: "n\(i)", underlay: .v4(IPv4Address(UInt32(0x6440_0002 + i))), wireguard: InterfaceSpec())
        }
    }

    private func assertDerived(_ specs: [NodeSpec], seed: UInt64, file: StaticString = #filePath, line: UInt = #line) {
        for spec in specs {
            let expected = Simulation.derivedPrivateKey(seed: seed, node: spec.name)
            XCTAssertEqual(spec.wireguard?.privateKey?.bytes, expected.bytes, file: file, line: line)
            XCTAssertEqual(spec.wireguard?.privateKey?.publicKey, expected.publicKey, file: file, line: line)
        }
    }

    func testDerivedAheadGivesTheKeysPrepareKeysDerives() {
        var nodes = specs(600)
        // Node 5 has its own key; node 7 has no wg0; the job covers the others (but not node 9,
        // as a loader leaves out a node it cannot tell about).
        let given = Simulation.derivedPrivateKey(seed: 99, node: "given")
        nodes[5].wireguard?.privateKey = given
        nodes[7].wireguard = nil
        let covered = nodes.indices.filter { ![5, 7, 9].contains($0) }
        let derived = DerivedKeyPairs(seed: 4, nodes: covered, names: covered.map { nodes[$0].name })
        Simulation.prepareKeys(in: &nodes, seed: 4, derived: derived)
        XCTAssertEqual(nodes[5].wireguard?.privateKey, given)
        XCTAssertNil(nodes[7].wireguard)
        assertDerived(nodes.indices.filter { ![5, 7].contains($0) }.map { nodes[$0] }, seed: 4)
    }

    func testAnotherSeedOrNameIsDerivedAfresh() {
        var nodes = specs(300)
        let derived = DerivedKeyPairs(seed: 1, nodes: Array(nodes.indices), names: nodes.map(\.name))
        Simulation.prepareKeys(in: &nodes, seed: 2, derived: derived)   // as `--seed 2`
        assertDerived(nodes, seed: 2)

        var renamed = specs(300)
        let names = renamed.indices.map { $0 == 3 ? "other" : renamed[$0].name }
        let stale = DerivedKeyPairs(seed: 1, nodes: Array(renamed.indices), names: names)
        Simulation.prepareKeys(in: &renamed, seed: 1, derived: stale)
        assertDerived(renamed, seed: 1)
    }
}
