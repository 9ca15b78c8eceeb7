import Sim
/// What the report page is made from: plain values the caller (Scenario) collected during a run.
public struct ReportPageInput {
    public var name: String
    public var description: String?
    public var seed: UInt64
    /// The scenario's node names in definition order (the ladder's lifelines follow it).
    public var nodeOrder: [String]
    public var snapshot: RunSnapshot
    public var recording: RunRecording
    public var expectations: [PageExpectation]

    public init(name: String, description: String?, seed: UInt64, nodeOrder: [String], snapshot: RunSnapshot,
                recording: RunRecording, expectations: [PageExpectation]) {
        self.name = name
        self.description = description
        self.seed = seed
        self.nodeOrder = nodeOrder
        self.snapshot = snapshot
        self.recording = recording
        self.expectations = expectations
    }
}

/// `report.html`: one self-contained page (inline SVG, CSS and the player's script; nothing
/// fetched) with the sections of the DOM contract in order — topology, peer tables, ownership
/// timeline, ladder, player, expectations. Deterministic byte for byte: everything is written
/// through `Markup`, in the order of the run, with no date or random id.
public enum ReportPage {
    public static func html(_ input: ReportPageInput) -> String {
        var m = Markup()
        m.raw("<!DOCTYPE html>")
        m.newline()
        m.open("html", ["lang": "en"])
        m.newline()
        m.open("head")
        m.element("meta", ["charset": "utf-8"])
        m.element("meta", ["name": "viewport", "content": "width=device-width, initial-scale=1"])
        m.element("title", [:], "wgsim report: \(input.name)")
        m.open("style")
        m.raw("\n" + PageStyle.css + "\n")
        m.close()
        m.close()
        m.newline()
        m.open("body")
        m.newline()
        m.element("h1", [:], input.name)
        m.newline()
        var summary = "Seed \(input.seed); \(input.recording.decisionCount) decisions"
        if let last = input.recording.steps.last { summary += "; last shown at \(TimeText.seconds(last.t)) s" }
        summary += ". Files: decisions.txt (each arrow's line), pcap/NODE-IFACE.pcap (each arrow's frame), wireguard.keys."
        m.element("p", ["class": "summary"], summary)
        if let description = input.description {
            m.element("p", ["class": "description"], description)
        }
        m.open("nav")
        for (id, title) in sections { m.element("a", ["href": "#" + id], title) }
        m.close()
        m.newline()
        PageSections.topology(input.snapshot, into: &m)
        m.newline()
        PageSections.tables(input.snapshot, recording: input.recording, into: &m)
        m.newline()
        PageSections.timeline(input.snapshot, into: &m)
        m.newline()
        PageSections.ladder(input.recording, order: input.nodeOrder, into: &m)
        m.newline()
        PlayerSection.write(recording: input.recording, snapshot: input.snapshot, into: &m)
        ExpectationSection.write(input.expectations, recording: input.recording, into: &m)
        m.newline()
        m.open("script")
        m.raw("\n" + PageScript.player + "\n")
        m.close()
        m.newline()
        m.close()
        m.newline()
        m.close()
        m.newline()
        return m.text
    }

    /// The sections, in the page's order, with their headings.
    static let sections: [(id: String, title: String)] = [
        ("topology", "Topology"), ("tables", "Peer tables"), ("timeline", "Ownership timeline"),
        ("ladder", "Ladder"), ("player", "Player"), ("expectations", "Expectations"),
    ]

    static func title(_ id: String) -> String { sections.first { $0.id == id }?.title ?? id }
}
