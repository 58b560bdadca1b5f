/// A guest run with the gdb stub listening (`-g PORT`). With `stopAtStart` (`-S`) the guest
/// waits for gdb before its first instruction; without it the guest runs at once and a gdb
/// that connects later stops it where it is, as a Ctrl-C would. After gdb detaches (or goes
/// away) the guest runs on, and another gdb may connect.
public enum DebuggedRun {
    /// How the run ended.
    public enum End: Equatable, Sendable {
        /// The guest ended with this status.
        case exited(Int32)
        /// gdb killed the guest.
        case killed
        /// The guest stopped with a fault it did not handle while no gdb was there to see it.
        case signal(Int32)
    }

    /// Runs `target` to its end with `server` listening; `onAttach` is told when gdb connects.
    public static func run(_ target: DebugTarget, server: GDBServer, stopAtStart: Bool,
                           onAttach: () -> Void = {}) throws(GDBError) -> End {
        var attached = false
        if stopAtStart {
            try server.waitForDebugger()
            attached = true
        }
        while true {
            if attached {
                onAttach()
                switch server.serve(target) {
                case .exited(let status): return .exited(status)
                case .killed: return .killed
                case .detached, .disconnected:
                    target.detach()
                    attached = false
                }
            }
            switch target.resume(interrupted: { server.acceptIfWaiting() }) {
            case .interrupted: attached = true
            case .exited(let status): return .exited(status)
            case .signal(let signal): return .signal(signal)
            case .stepped, .breakpoint: continue  // no gdb, so no breakpoint of its own
            }
        }
    }
}
