@testable import Report
import Sim
import XCTest

/// The sinks through which the report sees every captured packet: a numbered interface's frames
/// are counted and handed on; an interface nobody writes gets a sink that holds neither a base
/// nor a count, and the report still sees its packets (unnumbered).
final class CaptureWitnessSinkTests: XCTestCase {
    /// Remembers what it is told.
    final class Witness: CapturedFrameWitness {
        var seen: [(node: String, interface: CapturedInterface, frame: Int?, time: Int64, packet: [UInt8])] = []
        /// The identity of each frame told (`CapturedFrame.identity`).
        var identities: [[UInt8]] = []
        func captured(node: String, interface: CapturedInterface, frame: Int?, time: Int64, packet: CapturedFrame) {
            let bytes: [UInt8]
            switch packet {
            case .packet(let b), .identity(let b): bytes = b
            case .datagram(_, _, let payload): bytes = payload
            }
            seen.append((node, interface, frame, time, bytes))
            identities.append(packet.identity)
        }
    }

    func testAnInterfaceNobodyWritesIsWitnessedWithoutFrameNumbers() {
        let witness = Witness()
        let sink = frameWitnessingSink(node: "p1", interface: .eth0, base: DiscardingCaptureSink.shared, numbered: false, witness: witness)
        XCTAssertTrue(sink is UnnumberedCaptureWitness<Witness>)
        sink.capture(time: 5, packet: [1, 2])
        sink.capture(time: 7, packet: [3])
        XCTAssertEqual(witness.seen.map(\.node), ["p1", "p1"])
        XCTAssertEqual(witness.seen.map(\.interface), [.eth0, .eth0])
        XCTAssertEqual(witness.seen.map(\.frame), [nil, nil])
        XCTAssertEqual(witness.seen.map(\.time), [5, 7])
        XCTAssertEqual(witness.seen.map(\.packet), [[1, 2], [3]])
    }

    func testEachUnwrittenInterfaceIsToldAsItself() {
        for interface in [CapturedInterface.eth0, .wg0, .other] {
            let witness = Witness()
            let sink = frameWitnessingSink(node: "c7", interface: interface, base: DiscardingCaptureSink.shared, numbered: false,
                                           witness: witness)
            XCTAssertTrue(sink is UnnumberedCaptureWitness<Witness>)
            sink.capture(time: 3, packet: [4])
            XCTAssertEqual(witness.seen.map(\.interface), [interface])
            XCTAssertEqual(witness.seen.map(\.node), ["c7"])
        }
    }

    func testAWrittenInterfaceIsCountedAndHandedOn() {
        let witness = Witness()
        let base = MemoryCaptureSink()
        let sink = frameWitnessingSink(node: "hub", interface: .wg0, base: base, numbered: true, witness: witness)
        XCTAssertTrue(sink is FrameCountingCaptureSink<Witness>)
        sink.capture(time: 1, packet: [9])
        sink.capture(time: 2, packet: [8])
        XCTAssertEqual(witness.seen.map(\.frame), [1, 2])
        XCTAssertEqual(base.packets.map(\.bytes), [[9], [8]])
    }

    /// A sink that keeps packets (in memory) but does not number them still hands them on.
    func testAnUnnumberedSinkThatKeepsPacketsStillGetsThem() {
        let witness = Witness()
        let base = MemoryCaptureSink()
        let sink = frameWitnessingSink(node: "a", interface: .eth0, base: base, numbered: false, witness: witness)
        XCTAssertTrue(sink is FrameCountingCaptureSink<Witness>)
        sink.capture(time: 3, packet: [4])
        XCTAssertEqual(witness.seen.map(\.frame), [nil])
        XCTAssertEqual(base.packets.map(\.bytes), [[4]])
    }
}

/// `RunRecorder.captureSinkFactory` defers the witnesses of interfaces nobody writes: one
/// `DeferredCaptureSink` stands for all of them, and it makes the same witness a node would have
/// been given up front.
final class DeferredCaptureWitnessTests: XCTestCase {
    func testUnwrittenInterfacesShareOneDeferredSinkAndWrittenOnesAreWrappedAtOnce() throws {
        let recorder = RunRecorder()
        let written = MemoryCaptureSink()
        let factory = recorder.captureSinkFactory({ $0.hasPrefix("hub-") ? written as CaptureSink : DiscardingCaptureSink.shared },
                                                  captured: { $0.hasPrefix("hub-") })
        let client0 = try factory("c0-eth0"), client1 = try factory("c1-wg0")
        XCTAssertTrue(client0 is DeferredCaptureSink)
        XCTAssertTrue(client0 === client1, "one object stands for every deferred interface")
        XCTAssertTrue(try factory("hub-eth0") is FrameCountingCaptureSink<RunRecorder>)
        withExtendedLifetime(recorder) {}
        // A node kept in memory (no base) is wrapped at once too: its packets are kept.
        let keeping = RunRecorder()
        let inMemory = keeping.captureSinkFactory(nil, captured: { _ in false })
        XCTAssertTrue(try inMemory("c0-eth0") is FrameCountingCaptureSink<RunRecorder>)
        withExtendedLifetime(keeping) {}
    }
}
