/// Something said about a place in the input that stops nothing, printed on standard error as
/// `KIND: FILE:LINE: message`. Warnings and notes are the same thing with a different word in
/// front, so they are one type; the kind stays in the type, so that a warning cannot end up in
/// a list of notes or the other way round.
public struct ScenarioRemark<Kind: RemarkKind>: Hashable, Sendable, CustomStringConvertible {
    public let location: SourceLocation
    public let message: String

    public init(_ location: SourceLocation, _ message: String) {
        self.location = location
        self.message = message
    }

    /// `warning: a.yaml:7: …` or `note: a.conf:7: PostUp is not run by wgsim`.
    public var description: String { "\(Kind.word): \(location): \(message)" }
}

/// Which remark a `ScenarioRemark` is: the word its printed line starts with.
public protocol RemarkKind: Sendable {
    static var word: String { get }
}

/// Something in a scenario the kernel accepts without a word but that is most likely a mistake:
/// an allowed-IPs entry that moves from one peer to another (the later claim wins, §1.4), or an
/// allowed IP written with host bits.
public typealias ScenarioWarning = ScenarioRemark<WarningRemark>

/// The kind of `ScenarioWarning`.
public enum WarningRemark: RemarkKind {
    public static let word = "warning"
}

/// Something about the input that is accepted but worth saying: a wg-quick key wgsim reads and
/// does not act on, a peer whose key belongs to no simulated node, a host name given an address.
/// Unlike a `ScenarioError` it stops nothing; `wgsim run` prints it on standard error.
public typealias ScenarioNote = ScenarioRemark<NoteRemark>

/// The kind of `ScenarioNote`.
public enum NoteRemark: RemarkKind {
    public static let word = "note"
}
