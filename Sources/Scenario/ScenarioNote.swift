/// Something about the input that is accepted but worth saying: a wg-quick key wgsim reads and
/// does not act on, a peer whose key belongs to no simulated node, a host name given an address.
/// Unlike a `ScenarioError` it stops nothing; `wgsim run` prints it on standard error.
public struct ScenarioNote: Hashable, Sendable, CustomStringConvertible {
    public let location: SourceLocation
    public let text: String

    public init(_ location: SourceLocation, _ text: String) {
        self.location = location
        self.text = text
    }

    /// `note: a.conf:7: PostUp is not run by wgsim`.
    public var description: String { "note: \(location): \(text)" }
}

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
