import Sim
import Foundation
import Routing

/// The player: step forward and back through the recorded steps (buttons, ← and →); each step
/// marks its arrow in the ladder, shows the decision with its `why`, and the allowed-IPs table of
/// the node that decided as it was at that moment, the matched entry's row marked `matched`.
/// The steps are one inline JSON document (`script#report-steps`) the page's script reads.
enum PlayerSection {
    /// A table shows at most this many rows (the matched entry is always shown).
    static let tableRows = 64

    static func write(recording: RunRecording, snapshot: RunSnapshot, into m: inout Markup) {
        m.open("section", ["id": "player"])
        m.element("h2", [:], "Player")
        m.element("p", ["class": "hint"], "Step through the run with the buttons or the ← → keys; the current arrow is marked in the ladder.")
        m.open("div", ["class": "player-controls"])
        m.element("button", ["id": "player-back", "type": "button"], "◀ back")
        m.element("span", ["id": "player-position"], recording.steps.isEmpty ? "no steps" : "step 1 of \(recording.steps.count)")
        m.element("button", ["id": "player-forward", "type": "button"], "forward ▶")
        m.close()
        m.open("div", ["id": "player-decision"])
        if let first = recording.steps.first { m.content(first.text) }
        m.close()
        m.open("table", ["id": "player-table"])
        m.close()
        m.close()
        m.newline()
        m.open("script", ["type": "application/json", "id": "report-steps"])
        m.raw(json(recording: recording, snapshot: snapshot))
        m.close()
        m.newline()
    }

    /// One step. The time is the start of `text`, and the why its end (from UTF-16 offset
    /// `whyAt`, as the script slices strings), written apart (`why`) only when the text does not
    /// end with it: each step's words are in the page once.
    struct Step: Encodable {
        var line: Int
        var node: String
        var action: String
        var outcome: String
        var text: String
        var whyAt: Int?
        var why: String?
        var frame: Int?
        var pcap: String?
        var table: Int?
        var matched: String?
        var owner: String?
    }

    struct Table: Encodable {
        var node: String
        var time: String
        var rows: [[String]]
        var more: Int
    }

    struct Document: Encodable {
        var steps: [Step]
        var tables: [Table]
    }

    /// The steps and the tables they show, as JSON safe inside a `<script>` element (every `<`
    /// written as `\u003c`, so no `</script>` or `<!--` can appear).
    static func json(recording: RunRecording, snapshot: RunSnapshot) -> String {
        var used: [Int: Int] = [:]
        var tables: [Table] = []
        var steps: [Step] = []
        for step in recording.steps {
            var tableIndex: Int?
            var matchedOwner: String?
            // Only the deciding nodes' tables are looked up (not every node's indexed).
            if let found = snapshot.tablePositions(of: step.node).last(where: { (snapshot.tables[$0].decisionIndex ?? -1) <= step.decision }) {
                let table = snapshot.tables[found]
                if let existing = used[found] {
                    tableIndex = existing
                } else {
                    tableIndex = tables.count
                    used[found] = tables.count
                    tables.append(Table(node: table.node, time: TimeText.seconds(table.t),
                                        rows: table.entries.prefix(tableRows).map { [$0.prefix.description, $0.owner] },
                                        more: max(0, table.entries.count - tableRows)))
                }
                if let prefix = step.prefix { matchedOwner = table.entries.first { $0.prefix == prefix }?.owner }
            }
            let endsWithWhy = !step.why.isEmpty && step.text.hasSuffix(": " + step.why)
            steps.append(Step(line: step.line, node: step.node, action: step.action, outcome: step.outcome.rawValue, text: step.text,
                              whyAt: endsWithWhy ? step.text.utf16.count - step.why.utf16.count : nil,
                              why: endsWithWhy ? nil : step.why, frame: step.frame,
                              pcap: step.pcap.map { $0 + ".pcap" }, table: tableIndex,
                              matched: step.prefix?.description, owner: matchedOwner ?? step.peer))
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = (try? encoder.encode(Document(steps: steps, tables: tables))) ?? Data("{\"steps\":[],\"tables\":[]}".utf8)
        return String(decoding: data, as: UTF8.self).replacingOccurrences(of: "<", with: "\\u003c")
    }
}
