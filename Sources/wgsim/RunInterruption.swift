#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Ctrl-C (SIGINT) and SIGTERM during `wgsim run`: the handler only records which signal came
/// (one store, async-signal-safe); the run notices it at its next decision, removes its
/// temporary output folder and exits 130 or 143, so the user's earlier outputs stay as they were.
enum RunInterruption {
    /// The signal received, 0 while none. Written only by the handler, read by the run. It has to
    /// be reachable without context, as a C signal handler gets none; it is allocated (and so
    /// initialised) in `install`, never in the handler.
    private static let received: UnsafeMutablePointer<sig_atomic_t> = {
        let flag = UnsafeMutablePointer<sig_atomic_t>.allocate(capacity: 1)
        flag.initialize(to: 0)
        return flag
    }()

    /// Routes SIGINT and SIGTERM to the flag instead of ending the process at once.
    static func install() {
        received.pointee = 0
        _ = signal(SIGINT, { RunInterruption.received.pointee = $0 })
        _ = signal(SIGTERM, { RunInterruption.received.pointee = $0 })
    }

    /// The exit status a received signal asks for (128 + its number: 130 for SIGINT, 143 for
    /// SIGTERM), nil while none has come.
    static var exitStatus: Int32? {
        let signal = received.pointee
        return signal == 0 ? nil : 128 + Int32(signal)
    }
}
