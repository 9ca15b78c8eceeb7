import Foundation

/// Where a process of a split run spends its time, phase by phase (wall clock and the process's
/// CPU), and how much of its windows' wall time went to running events and how much to the
/// exchanges at their ends (waiting for the other processes included): printed to standard error
/// at the end when `WGSIM_SPLIT_PHASES` is set in the environment. That is how the split run's
/// time was measured (BENCHMARKS.md, "MPI"). Off, it reads no clock.
public final class SplitPhaseTimes {
    /// Whether the phases are timed (`WGSIM_SPLIT_PHASES` set).
    public let enabled: Bool
    private let rank: Int
    private var phases: [(name: String, wall: Double, cpu: Double)] = []
    private var lastWall: Double
    private var lastCPU: Double
    /// Wall time spent running the windows' events.
    private(set) var windowWall: Double = 0
    /// Wall time spent in the window exchanges, waiting for the other processes included.
    private(set) var exchangeWall: Double = 0
    /// Window exchanges timed.
    private(set) var exchanges = 0

    public init(rank: Int, environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.rank = rank
        enabled = environment["WGSIM_SPLIT_PHASES"] != nil
        lastWall = enabled ? Self.wall() : 0
        lastCPU = enabled ? Self.cpu() : 0
    }

    /// Ends the phase running since the last mark (or the start) under `name`.
    public func mark(_ name: String) {
        guard enabled else { return }
        let (wall, cpu) = (Self.wall(), Self.cpu())
        phases.append((name, wall - lastWall, cpu - lastCPU))
        (lastWall, lastCPU) = (wall, cpu)
    }

    /// Runs one window's events (`body`), adding its wall time to `windowWall`.
    func timingWindow(_ body: () -> Void) {
        guard enabled else { return body() }
        let start = Self.wall()
        body()
        windowWall += Self.wall() - start
    }

    /// Runs one exchange (`body`), adding its wall time to `exchangeWall`.
    func timingExchange<T>(_ body: () -> T) -> T {
        guard enabled else { return body() }
        let start = Self.wall()
        defer {
            exchangeWall += Self.wall() - start
            exchanges += 1
        }
        return body()
    }

    /// One line per phase, then the windows' line, for standard error.
    public var text: String {
        var lines = phases.map {
            "process \(rank): " + $0.name.padding(toLength: 10, withPad: " ", startingAt: 0)
                + String(format: " wall %7.3f s  cpu %7.3f s", $0.wall, $0.cpu)
        }
        lines.append("process \(rank): " + String(format: "windows: events %.3f s, %d exchanges %.3f s (wall)",
                                                  windowWall, exchanges, exchangeWall))
        return lines.map { $0 + "\n" }.joined()
    }

    private static func wall() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    private static func cpu() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
        return seconds(usage.ru_utime) + seconds(usage.ru_stime)
    }
}
