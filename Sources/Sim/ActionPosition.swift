import WireGuard

extension Action {
    /// The case's position in `Action.allCases`, read from the case's stored byte when every
    /// case is stored as its position (checked once, for every case), else searched for. For
    /// per-decision tables indexed by action (`ActionNameBytes`, the expectation tallies), where
    /// the raw-value String or a search would cost more than the rest of the step.
    @inlinable @inline(__always)
    public var casePosition: Int { casePosition(storedByPosition: ActionCaseLayout.storedByPosition) }

    /// `casePosition` for a caller that read `ActionCaseLayout.storedByPosition` once and kept
    /// it: reading the static on every decision costs a `swift_once` call (measured ~29
    /// instructions a decision on the log writer's thread).
    @inlinable @inline(__always)
    public func casePosition(storedByPosition: Bool) -> Int {
        storedByPosition ? ActionCaseLayout.storedByte(of: self) : (Action.allCases.firstIndex(of: self) ?? 0)
    }
}

/// Whether `Action`'s cases are stored as their positions in `allCases`.
public enum ActionCaseLayout {
    /// A case without payload is stored as its position in the declaration, which is also its
    /// place in `allCases`; checked here rather than assumed.
    public static let storedByPosition: Bool = MemoryLayout<Action>.size == 1 && Action.allCases.count <= 256
        && Action.allCases.indices.allSatisfy { storedByte(of: Action.allCases[$0]) == $0 }

    @inlinable @inline(__always)
    public static func storedByte(of action: Action) -> Int {
        Int(withUnsafeBytes(of: action) { $0[0] })
    }
}
