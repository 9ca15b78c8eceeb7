import Sim

/// `report.html`: one self-contained page (inline SVG, CSS and the player's script; nothing
/// fetched) with the sections of the DOM contract in order — topology, peer tables, ownership
/// timeline, ladder, player, expectations. Deterministic byte for byte: everything is written
/// through `Markup`, in the order of the run, with no date or random id.
public enum ReportPage {
    /// The page of a run, from plain values the caller (Scenario) collected: its snapshot (which
    /// also gives the scenario's name and its nodes in definition order, the ladder's lifelines),
    /// its recording and its expectations' results, and the scenario's description and seed.
    public static func html(snapshot: RunSnapshot, recording: RunRecording, expectations: [PageExpectation],
                            description: String?, seed: UInt64) -> String {
        var m = Markup()
        m.raw("<!DOCTYPE html>")
        m.newline()
        m.open("html", ["lang": "en"])
        m.newline()
        m.open("head")
        m.element("meta", ["charset": "utf-8"])
        m.element("meta", ["name": "viewport", "content": "width=device-width, initial-scale=1"])
        m.element("title", [:], "wgsim report: \(snapshot.name)")
        m.open("style")
        m.raw("\n" + PageStyle.css + "\n")
        m.close()
        m.close()
        m.newline()
        m.open("body")
        m.newline()
        m.element("h1", [:], snapshot.name)
        m.newline()
        var summary = "Seed \(seed); \(recording.decisionCount) decisions"
        if let last = recording.steps.last { summary += "; last shown at \(TimeText.seconds(last.t)) s" }
        summary += ". Files: decisions.txt (each arrow's line), pcap/NODE-IFACE.pcap (each arrow's frame), wireguard.keys."
        m.element("p", ["class": "summary"], summary)
        if let description {
            m.element("p", ["class": "description"], description)
        }
        m.open("nav")
        for (id, title) in sections { m.element("a", ["href": "#" + id], title) }
        m.close()
        m.newline()
        PageSections.topology(snapshot, into: &m)
        m.newline()
        PageSections.tables(snapshot, recording: recording, into: &m)
        m.newline()
        PageSections.timeline(snapshot, into: &m)
        m.newline()
        PageSections.ladder(recording, order: snapshot.nodes.map(\.name), into: &m)
        m.newline()
        PlayerSection.write(recording: recording, snapshot: snapshot, into: &m)
        ExpectationSection.write(expectations, recording: recording, into: &m)
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
