/// What Picket does to a container to bring its backend back.
public enum RecoveryAction: String, Hashable, Sendable {
    case restart
    /// Replace the container by a new one from the same image and settings.
    case recreate
}

/// Where one backend's recovery stands. Every phase but `idle` and `verifying` keeps it out of rotation.
///
/// ```
///  idle ──trigger──▶ draining ──drain_timeout──▶ acting ──done──▶ verifying ──up──▶ idle
///   ▲                                              │                 │
///   └──── failed (backoff), budget left ───────────┴─────────────────┘ trigger again
///                 budget and recreate spent ──▶ quarantined (until the container changes)
/// ```
public enum RecoveryPhase: Hashable, Sendable {
    case idle
    /// Out of rotation so nginx finishes in-flight requests before the action.
    case draining(until: Instant, action: RecoveryAction)
    /// The Docker action with this ticket is under way; the backend is not readmitted meanwhile.
    case acting(RecoveryAction, ticket: UInt64, since: Instant)
    /// The action finished; the backend must pass its checks to return.
    case verifying(since: Instant)
    /// No further actions: budget and recreate spent, or recreate failed.
    case quarantined(since: Instant, reason: String)

    public var name: String {
        switch self {
        case .idle: return "idle"
        case .draining: return "draining"
        case .acting(let action, _, _): return action == .restart ? "restarting" : "recreating"
        case .verifying: return "verifying"
        case .quarantined: return "quarantined"
        }
    }

    /// Draining, acting and quarantined backends are out of rotation whatever their checks say.
    public var keepsOutOfRotation: Bool {
        switch self {
        case .idle, .verifying: return false
        case .draining, .acting, .quarantined: return true
        }
    }

    var isInFlight: Bool {
        switch self {
        case .draining, .acting: return true
        case .idle, .verifying, .quarantined: return false
        }
    }
}

/// One backend's recovery bookkeeping: its phase and the budget it has used.
public struct RecoveryState: Hashable, Sendable {
    public internal(set) var phase: RecoveryPhase = .idle
    /// When each restart in the current window started; the budget counts these.
    public internal(set) var restarts: [Instant] = []
    /// Failed attempts in this episode: the exponent of the backoff.
    public internal(set) var failedAttempts = 0
    /// Recreated in this episode: the next escalation is quarantine.
    public internal(set) var recreated = false
    /// No new attempt before this instant.
    public internal(set) var notBefore: Instant?
    /// What set off the current episode, for the log.
    public internal(set) var trigger: String?
    /// When the circuit last left `closed`, to time the `afterOpen` trigger.
    var openSince: Instant?
    /// When the last successful action ended: container listings taken earlier are stale for triggers.
    var lastFinished: Instant?

    public init() {}

    mutating func pruneRestarts(window: Duration, now: Instant) {
        restarts.removeAll { now - $0 >= window }
    }

    /// A new episode: the container was replaced from outside, or the backend recovered.
    mutating func endEpisode() {
        failedAttempts = 0
        recreated = false
        notBefore = nil
    }
}

/// A Docker action for the shell to carry out and report with `dockerActionFinished`.
public struct DockerCommand: Hashable, Sendable {
    public let ticket: UInt64
    public let backend: BackendID
    public let containerID: String
    public let containerName: String
    public let action: RecoveryAction
    public let stopTimeout: Duration
    /// The trigger, for the log.
    public let reason: String

    public init(ticket: UInt64, backend: BackendID, containerID: String, containerName: String, action: RecoveryAction, stopTimeout: Duration, reason: String) {
        self.ticket = ticket
        self.backend = backend
        self.containerID = containerID
        self.containerName = containerName
        self.action = action
        self.stopTimeout = stopTimeout
        self.reason = reason
    }
}

/// How a Docker action ended.
public enum DockerActionResult: Hashable, Sendable {
    /// Done; a recreate names the new container.
    case succeeded(newContainerID: String?)
    /// The engine refused or the action failed: counts against the budget.
    case failed(String)
    /// The engine could not be reached: no budget spent, tried again after a backoff.
    case engineUnavailable(String)
}
