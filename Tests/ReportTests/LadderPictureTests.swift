import Routing
import XCTest
@testable import Report

/// The ladder drawn from a small hand-made recording: A sends a handshake initiation that is
/// lost, retries, B answers, A's data packet is dropped by B's source check.
final class LadderPictureTests: XCTestCase {
    static func step(_ k: Int, _ t: Int64, _ node: String, _ action: String, dir: String? = "tx", peer: String? = nil,
                     sends: Bool = false, frame: Int? = nil, arrival: StepArrival? = nil, outcome: StepOutcome? = nil) -> RecordedStep {
        RecordedStep(decision: k, line: k + 1, t: t, node: node, iface: "wg0", dir: dir, action: action, peer: peer, prefix: nil,
                     text: "\(t / 1_000_000_000).000000000 \(node) wg0 \(action): because", why: "because",
                     outcome: outcome ?? StepOutcome.of(action: action), sends: sends,
                     pcap: frame.map { _ in "\(node)-eth0" }, frame: frame, arrival: arrival)
    }

    static let recording = RunRecording(steps: [
        step(0, 0, "A", "config", dir: nil),
        step(1, 1_000_000_000, "A", "handshake-initiation-sent", peer: "B", sends: true, frame: 1, outcome: .lost),
        step(2, 1_000_000_000, "A", "dropped-link-loss", frame: 1),
        step(3, 6_000_000_000, "A", "handshake-initiation-sent", peer: "B", sends: true, frame: 2,
             arrival: StepArrival(node: "B", t: 6_001_000_000, frame: 1, step: 4)),
        step(4, 6_001_000_000, "B", "handshake-initiation-received", dir: "rx", peer: "A", frame: 1),
        step(5, 7_000_000_000, "B", "encrypted", peer: "A", sends: true, frame: 2,
             arrival: StepArrival(node: "A", t: 7_001_000_000, frame: 3, step: 6), outcome: .dropped),
        step(6, 7_001_000_000, "A", "dropped-src-not-allowed", dir: "rx", peer: "B", frame: 3),
    ], decisionCount: 7, omitted: [], limits: .standard)

    func testEveryStepIsAnArrowWithTheContractsAttributes() {
        let svg = LadderPicture.svg(Self.recording, order: ["A", "B"])
        XCTAssertTrue(svg.hasPrefix("<svg class=\"ladder\""))
        XCTAssertFalse(svg.contains("xmlns"), "inline in the page: no namespace URL")
        XCTAssertTrue(LadderPicture.svg(Self.recording, standalone: true).contains("xmlns=\"http://www.w3.org/2000/svg\""))
        XCTAssertTrue(svg.contains("<g class=\"lifeline\" data-node=\"A\">"))
        XCTAssertTrue(svg.contains("<g class=\"lifeline\" data-node=\"B\">"))
        for k in 0..<7 { XCTAssertTrue(svg.contains("<g class=\"arrow\" id=\"step-\(k)\" data-step=\"\(k)\""), "step \(k)") }
        XCTAssertTrue(svg.contains("id=\"step-1\" data-step=\"1\" data-outcome=\"lost\" data-action=\"handshake-initiation-sent\" data-node=\"A\" data-line=\"2\" data-frame=\"1\" data-pcap=\"A-eth0.pcap\""))
        XCTAssertTrue(svg.contains("id=\"step-0\" data-step=\"0\" data-outcome=\"config\" data-action=\"config\" data-node=\"A\" data-line=\"1\"><path"),
                      "no frame for a decision with no packet")
        // A lost or dropped arrow ends in a cross, a delivered one in a head; each has its own dashes.
        XCTAssertTrue(svg.contains("class=\"outcome-lost\""))
        XCTAssertTrue(svg.contains("marker-end=\"url(#ladder-cross-lost)\""))
        XCTAssertTrue(svg.contains("marker-end=\"url(#ladder-cross-dropped)\""))
        XCTAssertTrue(svg.contains("marker-end=\"url(#ladder-head-handshake)\""))
        XCTAssertEqual(Set(StepOutcome.allCases.map(LadderStyle.colour)).count, StepOutcome.allCases.count)
        XCTAssertEqual(Set(StepOutcome.allCases.map { LadderStyle.dashes($0) + "\(LadderStyle.width($0))" + LadderStyle.marker($0) }).count,
                       StepOutcome.allCases.count, "outcomes differ by more than colour")
        // The joined initiation runs from A's lifeline (x 195) down to B's (x 345) at B's step's row.
        XCTAssertTrue(svg.contains("d=\"M195 140 L345 164\""), svg)
        XCTAssertEqual(svg, LadderPicture.svg(Self.recording, order: ["A", "B"]), "same bytes every time")
    }

    func testTextLadder() {
        let text = LadderPicture.text(Self.recording, order: ["A", "B"])
        XCTAssertEqual(text, """
        time         A           B
        0.000000000  ◆           │ A config line 1
        1.000000000  ●─────✗     │ A handshake-initiation-sent [lost] line 2 frame 1 A-eth0.pcap
        1.000000000  ✗           │ A dropped-link-loss [lost] line 3 frame 1 A-eth0.pcap
        6.000000000  ●──────────▶│ A handshake-initiation-sent [handshake] line 4 frame 2 A-eth0.pcap
        6.000000000  │           ● B handshake-initiation-received [handshake] line 5 frame 1 B-eth0.pcap
        7.000000000  │✗──────────● B encrypted [dropped] line 6 frame 2 B-eth0.pcap
        7.000000000  ✗           │ A dropped-src-not-allowed [dropped] line 7 frame 3 A-eth0.pcap

        """)
    }

    func testOutcomesOfActions() {
        XCTAssertEqual(StepOutcome.of(action: "dropped-link-loss"), .lost)
        XCTAssertEqual(StepOutcome.of(action: "dropped-no-peer"), .dropped)
        XCTAssertEqual(StepOutcome.of(action: "no-route"), .dropped)
        XCTAssertEqual(StepOutcome.of(action: "cookie-reply-sent"), .cookie)
        XCTAssertEqual(StepOutcome.of(action: "keepalive-received"), .keepalive)
        XCTAssertEqual(StepOutcome.of(action: "icmp-unreachable"), .icmp)
        XCTAssertEqual(StepOutcome.of(action: "encrypted"), .delivered)
        XCTAssertEqual(StepOutcome.of(action: "note"), .config)
    }
}
