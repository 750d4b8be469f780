/// What Picket does to a container to bring its backend back.
public enum RecoveryAction: String, Hashable, Sendable {
    case restart
    /// Replace the container by a new one from the same image and settings.
    case recreate
}

/// Why a container needs recovering.
public enum RecoveryTrigger: Hashable, Sendable {
    /// The listing shows it stopped (exited or dead).
    case containerStopped(ContainerObservation.RunState)
    /// Docker's own HEALTHCHECK reports it unhealthy.
    case dockerUnhealthy
    /// Its circuit has been open (or half-open) this long.
    case circuitOpen(for: Duration)
    /// It failed this many checks in a row (`after_failures`).
    case failedChecks(Int)
}

/// Why recovery gave up on a container.
public enum QuarantineReason: Hashable, Sendable {
    /// `restarts` restarts within `window` (and a recreate, if allowed) did not bring it back.
    case budgetSpent(restarts: Int, window: Duration, recreated: Bool, trigger: RecoveryTrigger)
    case recreateFailed(String)
    /// Quarantined before Picket restarted, in the words it was logged with then.
    case remembered(String)
}

/// Where one backend's recovery stands. Every phase but `idle` and `verifying` keeps it out of rotation.
///
/// ```
///  idle ──trigger──▶ draining ──nginx confirmed + drain_timeout──▶ acting ──done──▶ verifying ──up──▶ idle
///   ▲                                                                 │                 │
///   └──── failed (backoff), budget left ──────────────────────────────┴─────────────────┘ trigger again
///                 budget and recreate spent ──▶ quarantined (until the container changes or a reset)
/// ```
public enum RecoveryPhase: Hashable, Sendable {
    case idle
    /// Out of rotation so nginx finishes in-flight requests before the action. The wait starts when
    /// nginx confirms a file without the server, not when the drain was decided: `until` is nil before
    /// that, then the confirmation plus `drain_timeout`.
    case draining(action: RecoveryAction, trigger: RecoveryTrigger, since: Instant, until: Instant?)
    /// The Docker action with this ticket is under way; the backend is not readmitted meanwhile.
    case acting(RecoveryAction, trigger: RecoveryTrigger, ticket: UInt64, since: Instant)
    /// The action finished; the backend must pass its checks to return.
    case verifying(since: Instant)
    /// No further actions: budget and recreate spent, or recreate failed.
    case quarantined(since: Instant, reason: QuarantineReason)

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
    /// What set off the latest attempt of this episode.
    public internal(set) var trigger: RecoveryTrigger?
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

    /// What holds the backend out of rotation, if anything.
    var hold: RecoveryHold? {
        switch phase {
        case .idle, .verifying: return nil
        case .draining(let action, let trigger, _, _): return .draining(before: action, trigger)
        case .acting(let action, let trigger, _, _): return .acting(action, trigger)
        case .quarantined(_, let reason): return .quarantined(reason)
        }
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
    public let trigger: RecoveryTrigger

    public init(
        ticket: UInt64, backend: BackendID, containerID: String, containerName: String, action: RecoveryAction, stopTimeout: Duration,
        trigger: RecoveryTrigger
    ) {
        self.ticket = ticket
        self.backend = backend
        self.containerID = containerID
        self.containerName = containerName
        self.action = action
        self.stopTimeout = stopTimeout
        self.trigger = trigger
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
    /// In a fleet, this node could not prove it holds the engine's lease just before acting (another
    /// node holds it, or the database did not answer): nothing done, no budget spent.
    case notLeaseHolder(String)
}
