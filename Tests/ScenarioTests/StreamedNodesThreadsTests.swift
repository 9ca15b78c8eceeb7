import Foundation
import XCTest
@testable import Scenario
import WireGuard

/// A large generated file's nodes are converted on a second thread while the reader reads on
/// (`StreamedNodes`): the scenario, or the first error, is the one the reader's own thread
/// gives converting them itself, and the one the tree path gives, whatever the threads' timing.
final class StreamedNodesThreadsTests: XCTestCase {
    private enum Way: CaseIterable { case beside, oneThread, tree }

    /// What loading gives one way: the scenario dumped whole (its key job left out), or the error.
    private func outcome(_ text: String, _ way: Way) -> String {
        do {
            var scenario = try ScenarioLoader.load(text: text, file: "g.yaml", directory: ".", keysAhead: false,
                                                   streaming: way != .tree, besideFrom: way == .beside ? 0 : Int.max)
            scenario.derivedKeys = nil
            var out = ""
            dump(scenario, to: &out)
            return out
        } catch {
            return "error: \(error)"
        }
    }

    /// Asserts the three ways give one outcome; returns it.
    @discardableResult
    private func assertSame(_ text: String, _ what: String, file: StaticString = #filePath, line: UInt = #line) -> String {
        let beside = outcome(text, .beside)
        XCTAssertEqual(beside, outcome(text, .oneThread), "\(what): beside / one thread", file: file, line: line)
        XCTAssertEqual(beside, outcome(text, .tree), "\(what): beside / tree", file: file, line: line)
        return beside
    }

    /// More nodes than the batches that may wait at once hold, so the reader waits for room.
    private let peers = StreamedNodes.batchSize * (StreamedNodes.batchesAhead + 2) + 17

    private func hub() -> String { HubGenerator.yaml(peers: peers, trace: nil, packets: 0) }

    private func replacingNode(_ name: String, in text: String, with line: String) throws -> (text: String, line: Int) {
        var lines = text.components(separatedBy: "\n")
        let index = try XCTUnwrap(lines.firstIndex { $0.hasPrefix("  \(name): {") })
        lines[index] = line
        return (lines.joined(separator: "\n"), index + 1)
    }

    func testAGeneratedHubConvertedBesideIsTheOneThreadScenario() throws {
        let text = hub()
        let read = try XCTUnwrap(StreamedNodes.read(text, file: "g.yaml", directory: ".", keysAhead: false, besideFrom: 0))
        let nodes = try XCTUnwrap(read.nodes)
        XCTAssertTrue(nodes.convertedBeside)
        XCTAssertNil(nodes.firstError)
        XCTAssertEqual(nodes.takeNodes().count, peers + 1)
        let alone = try XCTUnwrap(StreamedNodes.read(text, file: "g.yaml", directory: ".", keysAhead: false, besideFrom: Int.max))
        XCTAssertEqual(alone.nodes?.convertedBeside, false)
        // The default: a file this large (from 4,096 nodes) is converted beside, a small one not.
        let small = try XCTUnwrap(StreamedNodes.read(HubGenerator.yaml(peers: 10, trace: nil, packets: 0),
                                                     file: "g.yaml", directory: ".", keysAhead: false))
        XCTAssertEqual(small.nodes?.convertedBeside, false)
        XCTAssertFalse(assertSame(text, "generated hub").hasPrefix("error"))
    }

    /// Two bad nodes in different batches, a bad one in the last (partial) batch, and problems
    /// the whole file's reading reports first: the first error in file order, every way, and the
    /// same on each of a few repetitions (the threads' timing differs from one to the next).
    func testTheFirstErrorInFileOrderWhateverTheTiming() throws {
        let text = hub()
        let (early, earlyLine) = try replacingNode("p700", in: text, with: "  p700: {underlay: 100.64.0.500, wireguard: {}}")
        let (twoBad, _) = try replacingNode("p\(peers - 300)", in: early, with: "  p\(peers - 300): {underlay: nowhere, wireguard: {}}")
        for _ in 0..<3 {
            XCTAssertTrue(assertSame(twoBad, "two bad nodes").contains("g.yaml:\(earlyLine)"))
        }
        let last = "p\(peers - 1)"
        let (lastBad, lastLine) = try replacingNode(last, in: text, with: "  \(last): {underlay: 10.0.0.1, wireguard: {peers: [{peer: p99999}]}}")
        XCTAssertTrue(assertSame(lastBad, "bad node in the last batch").contains("g.yaml:\(lastLine)"))
        XCTAssertTrue(assertSame(twoBad + "colour: blue\n", "unknown top-level key").contains("unknown key 'colour'"))
        XCTAssertTrue(assertSame(twoBad + "expect: [\n", "YAML error after the nodes").contains("YAML syntax"))
    }
}
