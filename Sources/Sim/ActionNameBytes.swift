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
        bytes = .allocate(capacity: max(total, 1))
        var bounds: [(start: Int, count: Int)] = []
        var at = 0
        for name in names {
            (bytes + at).initialize(from: name, count: name.count)
            bounds.append((at, name.count))
            at += name.count
        }
        self.bounds = bounds
        // A case without payload is stored as its position in the declaration, which is also its
        // place in `allCases`.
        casesAreStoredByPosition = MemoryLayout<Action>.size == 1 && Action.allCases.count <= 256
            && Action.allCases.indices.allSatisfy { Self.position(of: Action.allCases[$0]) == $0 }
    }

    deinit { bytes.deallocate() }

    @inline(__always)
    private static func position(of action: Action) -> Int {
        Int(withUnsafeBytes(of: action) { $0[0] })
    }

    /// The name of `action`: `count` bytes at `start`, valid for the table's life (the process's).
    @inline(__always)
    func bytes(of action: Action) -> (start: UnsafePointer<UInt8>, count: Int) {
        let index = casesAreStoredByPosition ? Self.position(of: action) : (Action.allCases.firstIndex(of: action) ?? 0)
        let bound = bounds[index]
        assert(Array(UnsafeBufferPointer(start: bytes + bound.start, count: bound.count)) == Array(action.rawValue.utf8),
               "the action's name at its position")
        return (UnsafePointer(bytes + bound.start), bound.count)
    }
}
