extension Scenario {
    /// The most notes shown for one file; the rest are counted in one more note.
    public static let notesShownPerFile = 20

    /// Every note the scenario's files gave while they were read (each wg-quick file's notes
    /// travel with the wg0 it describes), in node order, each once even when two nodes read
    /// the same file. A file with more than `notesShownPerFile` (a hub listing thousands of
    /// peers outside the network) has the rest counted in a last note instead of listed.
    public var notes: [ScenarioNote] {
        var seen = Set<ScenarioNote>()
        var result: [ScenarioNote] = []
        for node in nodes {
            let fresh = (node.wireguard?.notes ?? []).filter { seen.insert($0).inserted }
            result += fresh.prefix(Self.notesShownPerFile)
            if fresh.count > Self.notesShownPerFile {
                let first = fresh[Self.notesShownPerFile]
                result.append(ScenarioNote(first.location, "and \(fresh.count - Self.notesShownPerFile) more notes about \(first.location.file) "
                                           + "from here on (the first \(Self.notesShownPerFile) are shown)"))
            }
        }
        return result
    }
}
