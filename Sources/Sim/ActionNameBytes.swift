import WireGuard

/// Every `Action`'s name (its raw value, as the decision log writes it) as UTF-8 bytes, found by
/// the case's position rather than by building the raw-value String: the log names an action in
/// both lines of every decision, and the String's switch, escaping scan and release per line
/// measured ~4 % of the log writer's instructions (docs/performance.md, "Action names").
final class ActionNameBytes: @unchecked Sendable {
    /// One table for every composer: it never changes once built.
    static let shared = ActionNameBytes()

    /// The names one after another, in `Action.allCases` order, and where each starts and ends.
    private let bytes: UnsafeMutablePointer<UInt8>
    private let bounds: [(start: Int, count: Int)]
    /// Whether every case is stored as its position in `allCases` (checked here, for every case):
    /// then a name is found by reading the case's byte; otherwise by searching `allCases`.
    private let casesAreStoredByPosition: Bool

    private init() {
        let names = Action.allCases.map { Array($0.rawValue.utf8) }
        let total = names.reduce(0) { $0 + $1.count }
        // 16 zero bytes behind the last name: any name may be copied in 16-byte moves.
        bytes = .allocate(capacity: total + 16)
        bytes.initialize(repeating: 0, count: total + 16)
        var bounds: [(start: Int, count: Int)] = []
        var at = 0
        for name in names {
            (bytes + at).update(from: name, count: name.count)
            bounds.append((at, name.count))
            at += name.count
        }
        self.bounds = bounds
        casesAreStoredByPosition = ActionCaseLayout.storedByPosition
    }

    deinit { bytes.deallocate() }

    /// `action`'s position in `Action.allCases` (the same in every run, unlike where its name lies).
    @inline(__always)
    func position(of action: Action) -> Int { action.casePosition(storedByPosition: casesAreStoredByPosition) }

    /// The name of `action`: `count` bytes at `start`, valid for the table's life (the process's),
    /// with the bytes up to `count` rounded up to 16 readable.
    @inline(__always)
    func bytes(of action: Action) -> (start: UnsafePointer<UInt8>, count: Int) {
        let index = action.casePosition(storedByPosition: casesAreStoredByPosition)
        let bound = bounds[index]
        assert(Array(UnsafeBufferPointer(start: bytes + bound.start, count: bound.count)) == Array(action.rawValue.utf8),
               "the action's name at its position")
        return (UnsafePointer(bytes + bound.start), bound.count)
    }
}
