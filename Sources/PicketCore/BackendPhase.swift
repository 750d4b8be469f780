/// What a backend's checks say about it. Only `up` backends are in rotation (unless something else,
/// such as a drain or a recovery, keeps them out: see `Rotation`).
///
/// ```
///            success_threshold passes                 failure_threshold failures
///  pending ───────────────────────────▶ up ◀──────────────────────────────────▶ down
///     │      failure_threshold failures     success_threshold passes (+ hold_down after flaps)
///     └─────────────────────────────────────────────────────────────────────▶ down
/// ```
public enum BackendPhase: String, Hashable, Sendable, CaseIterable {
    /// Known, no verdict yet (just started, or just added).
    case pending
    /// Passing.
    case up
    /// Failed `health_check.failure_threshold` (or the circuit's `failure_threshold`) times in a row.
    case down
}

/// The per-backend circuit: whether a backend's failures are persistent. It never stops probes; it
/// decides how far apart they are once a backend stays out (see `CircuitSpec`), and container recovery
/// and alerts key off it.
///
/// ```
///  closed ──circuit failure_threshold failures──▶ open ──a pass──▶ half_open ──readmitted──▶ closed
///                                                   ▲                  │
///                                                   └───── a failure ──┘
/// ```
public enum Circuit: String, Hashable, Sendable, CaseIterable {
    case closed
    /// Failing persistently: out of rotation, probes back off after `recovery_timeout`.
    case open
    /// Open, then passing: proving itself until it is readmitted.
    case halfOpen = "half_open"
}
