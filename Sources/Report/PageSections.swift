/// The page's picture sections, each bounded so that a run of any size gives a page of a few
/// megabytes: a picture that would be too large is replaced by a `p.omitted` saying what was
/// left out and where to find it (`wgsim draw`, decisions.txt).
enum PageSections {
    /// Bounds, chosen so that each section stays under about a megabyte.
    static let topologyNodes = 40
    static let timelineRows = 200
    static let maximumTableEntries = 256
    static let maximumTableFigures = 60

    static func topology(_ snapshot: RunSnapshot, into m: inout Markup) {
        m.open("section", ["id": "topology"])
        m.element("h2", [:], ReportPage.title("topology"))
        // Drawn from the first nodes alone: working out every pair's tunnel grows with the
        // square of the nodes, and the picture would show only the first few anyway.
        m.raw(TopologyPicture.svg(snapshot.keepingNodes(topologyNodes), limit: topologyNodes))
        if snapshot.nodes.count > topologyNodes {
            m.element("p", ["class": "omitted"],
                      "The picture shows the first \(topologyNodes) of \(snapshot.nodes.count) nodes "
                      + "(\(snapshot.wireGuardNodes.count) with wg0, \(snapshot.links.count) links set); tunnels and drops of the others are left out. "
                      + "`wgsim draw topology SCENARIO --format txt` prints them all.")
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
        let rows = snapshot.ownershipRowCount
        m.raw(OwnershipTimeline.svg(rows > timelineRows ? snapshot.keepingRows(timelineRows) : snapshot, limit: timelineRows))
        if rows > timelineRows {
            m.element("p", ["class": "omitted"], "The timeline draws the first \(timelineRows) of \(rows) (node, prefix) rows. "
                      + "`wgsim draw timeline SCENARIO --node N` draws one node's.")
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
