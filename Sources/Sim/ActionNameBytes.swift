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

    private init() {
        let names = Action.allCases.map { Array($0.rawValue.utf8) }
        // A case without payload is stored as its position in the declaration, which is also its
        // place in `allCases`; `position(of:)` relies on both (checked here and in debug builds).
        precondition(MemoryLayout<Action>.size == 1 && Action.allCases.count <= 256, "Action is a one-byte enum")
        let total = names.reduce(0) { $0 + $1.count }
        bytes = .allocate(capacity: max(total, 1))
        var bounds: [(start: Int, count: Int)] = []
        var at = 0
        for (i, name) in names.enumerated() {
            precondition(Self.position(of: Action.allCases[i]) == i, "Action cases are stored by position")
            (bytes + at).initialize(from: name, count: name.count)
            bounds.append((at, name.count))
            at += name.count
        }
        self.bounds = bounds
    }

    deinit { bytes.deallocate() }

    @inline(__always)
    private static func position(of action: Action) -> Int {
        Int(withUnsafeBytes(of: action) { $0[0] })
    }

    /// The name of `action`: `count` bytes at `start`, valid for the table's life (the process's).
    @inline(__always)
    func bytes(of action: Action) -> (start: UnsafePointer<UInt8>, count: Int) {
        let bound = bounds[Self.position(of: action)]
        assert(Array(UnsafeBufferPointer(start: bytes + bound.start, count: bound.count)) == Array(action.rawValue.utf8),
               "the action's name at its position")
        return (UnsafePointer(bytes + bound.start), bound.count)
    }
}
