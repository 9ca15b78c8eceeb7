/// The page's picture sections, each bounded so that a run of any size gives a page of a few
/// megabytes: a picture that would be too large is replaced by a `p.omitted` saying what was
/// left out and where to find it (`wgsim draw`, decisions.txt).
enum PageSections {
    /// Bounds, chosen so that each section stays under about a megabyte.
    static let maximumTopologyNodes = 200
    static let topologyNodes = 40
    static let timelineRows = 200
    static let maximumTableEntries = 256
    static let maximumTableFigures = 60
    static let maximumTimelineEntries = 2_000

    static func topology(_ snapshot: RunSnapshot, into m: inout Markup) {
        m.open("section", ["id": "topology"])
        m.element("h2", [:], ReportPage.title("topology"))
        if snapshot.nodes.count > maximumTopologyNodes {
            // Not drawn at all: working out every pair's tunnel grows with the square of the
            // nodes (minutes for 10,000), and the picture would show only the first few anyway.
            m.element("p", ["class": "omitted"],
                      "The topology picture is left out: \(snapshot.nodes.count) nodes (\(snapshot.wireGuardNodes.count) with wg0) "
                      + "and \(snapshot.links.count) links set are more than a picture shows (at most \(maximumTopologyNodes) nodes). "
                      + "`wgsim draw topology SCENARIO --format txt` prints it.")
        } else {
            // TopologyPicture draws the first `topologyNodes` nodes and notes the rest in the picture.
            m.raw(TopologyPicture.svg(snapshot, limit: topologyNodes))
            if snapshot.nodes.count > topologyNodes {
                m.element("p", ["class": "omitted"],
                          "The picture shows the first \(topologyNodes) of \(snapshot.nodes.count) nodes "
                          + "(\(snapshot.wireGuardNodes.count) with wg0, \(snapshot.links.count) links set). "
                          + "`wgsim draw topology SCENARIO --format txt` prints them all.")
            }
        }
        m.close()
    }

    static func tables(_ snapshot: RunSnapshot, recording: RunRecording, into m: inout Markup) {
        m.open("section", ["id": "tables"])
        m.element("h2", [:], ReportPage.title("tables"))
        let colours = OwnershipColours(snapshot)
        var shown = 0, tooLarge = 0, beyond = 0
        for table in snapshot.tables {
            if table.entries.count > maximumTableEntries { tooLarge += 1; continue }
            if shown >= maximumTableFigures { beyond += 1; continue }
            shown += 1
            m.raw(PeerTablePicture.figure(table, colours: colours))
            m.newline()
        }
        if tooLarge + beyond > 0 {
            var words: [String] = []
            if tooLarge > 0 { words.append("\(tooLarge) table(s) with more than \(maximumTableEntries) entries") }
            if beyond > 0 { words.append("\(beyond) table(s) after the first \(maximumTableFigures)") }
            m.element("p", ["class": "omitted"], "Left out: " + words.joined(separator: " and ")
                      + ". `wgsim draw table SCENARIO --node N --at T` draws any of them; the player shows each deciding node's table.")
        }
        m.close()
    }

    static func timeline(_ snapshot: RunSnapshot, into m: inout Markup) {
        m.open("section", ["id": "timeline"])
        m.element("h2", [:], ReportPage.title("timeline"))
        let entries = snapshot.tables.reduce(0) { $0 + $1.entries.count }
        if entries > maximumTimelineEntries {
            m.element("p", ["class": "omitted"],
                      "The ownership timeline is left out: the tables hold \(entries) entries over \(snapshot.tables.count) changes "
                      + "(at most \(maximumTimelineEntries) are drawn). `wgsim draw timeline SCENARIO --format txt` prints it.")
        } else {
            m.raw(OwnershipTimeline.svg(snapshot, limit: timelineRows))
            let rows = snapshot.ownershipSpans.count
            if rows > timelineRows {
                m.element("p", ["class": "omitted"], "The timeline draws the first \(timelineRows) of \(rows) (node, prefix) rows. "
                          + "`wgsim draw timeline SCENARIO --node N` draws one node's.")
            }
        }
        m.close()
    }

    static func ladder(_ recording: RunRecording, order: [String], into m: inout Markup) {
        m.open("section", ["id": "ladder"])
        m.element("h2", [:], ReportPage.title("ladder"))
        m.element("p", ["class": "hint"],
                  "Time goes down. Each arrow is one decision; a datagram runs from sender to receiver. Its label gives the action, "
                  + "Lnn = its line in decisions.txt, #nn = its frame in that node's pcap.")
        if let note = recording.omissionNote { m.element("p", ["class": "omitted"], note) }
        m.open("div", ["class": "scroll"])
        m.raw(LadderPicture.svg(recording, order: order))
        m.close()
        m.close()
    }
}
