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
    /// Every note the scenario's files gave while they were read (each wg-quick file's notes
    /// travel with the wg0 it describes), in node order, each once even when two nodes read
    /// the same file.
    public var notes: [ScenarioNote] {
        var seen = Set<ScenarioNote>()
        return nodes.flatMap { $0.wireguard?.notes ?? [] }.filter { seen.insert($0).inserted }
    }
}
