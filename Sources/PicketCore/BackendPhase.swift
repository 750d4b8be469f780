/// Where a backend stands. Only `up` backends are in rotation.
///
/// ```
///            success_threshold passes                   circuit.failure_threshold failures
///  pending ───────────────────────────▶ up ◀──┐   ┌───────────────────────────────▶ open
///     │        health failure_threshold │     │   │                                  │ cooldown
///     └──────────────────────────────▶ down ──┘───┘                                  ▼
///                                   (passes: up)      ◀── any failure ───────── half_open
///                                          up ◀── circuit.success_threshold passes ──┘
/// ```
public enum BackendPhase: Hashable, Sendable {
    /// Known, no verdict yet (just started, or just added).
    case pending
    /// Passing: in rotation (unless drained).
    case up
    /// Failed `health_check.failure_threshold` times in a row: out of rotation, still probed at the
    /// normal interval, back after `health_check.success_threshold` passes.
    case down
    /// Failed `circuit_breaker.failure_threshold` times in a row: out of rotation and not probed until
    /// the cooldown ends.
    case open(until: Instant)
    /// Cooldown over: probed again, needs `circuit_breaker.success_threshold` passes to close.
    case halfOpen(since: Instant)

    public var name: String {
        switch self {
        case .pending: return "pending"
        case .up: return "up"
        case .down: return "down"
        case .open: return "open"
        case .halfOpen: return "half_open"
        }
    }

    /// The circuit as operators think of it: closed while the backend is judged by its plain checks.
    public var circuitName: String {
        switch self {
        case .pending, .up, .down: return "closed"
        case .open: return "open"
        case .halfOpen: return "half_open"
        }
    }

    public var isUp: Bool { self == .up }
}
