/// Bad input in a scenario, a wg-quick file, a command line or a trace: what is wrong and where.
///
/// Printed as `FILE:LINE: message` (or `FILE: message` when no line applies), the form compilers
/// use, so editors can jump to it. Every such error makes `wgsim` exit with status 2 before
/// anything is simulated.
public struct ScenarioError: Error, Equatable, CustomStringConvertible, Sendable {
    public let file: String
    public let line: Int?
    public let message: String

    public init(file: String, line: Int?, _ message: String) {
        self.file = file
        self.line = line
        self.message = message
    }

    public var description: String {
        if let line { return "\(file):\(line): \(message)" }
        return "\(file): \(message)"
    }
}

/// A file position that errors can be attached to after the fact.
public struct SourceLocation: Hashable, Sendable, CustomStringConvertible {
    public let file: String
    public let line: Int

    public init(file: String, line: Int) {
        self.file = file
        self.line = line
    }

    public func error(_ message: String) -> ScenarioError {
        ScenarioError(file: file, line: line, message)
    }

    public var description: String { "\(file):\(line)" }
}

/// A reason without a place, from a small text reader; the caller adds file and line.
public struct TextProblem: Error, Equatable {
    public let reason: String
    public init(_ reason: String) { self.reason = reason }
}
