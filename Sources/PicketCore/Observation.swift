/// A fact the core reports for operators: the shell logs it, and later counts and stores it. The core
/// itself never logs.
public enum Observation: Hashable, Sendable {
    /// A backend changed phase.
    case transition(BackendTransition)
    /// Every backend has a verdict; from now on the file follows health.
    case firstRoundCompleted(backends: Int, up: Int)
    /// No backend of an app is fit for traffic and its all-down policy now decides the servers.
    case allDown(app: AppName, policy: AllDownPolicy)
    /// An app has a serving backend again after being all down.
    case allDownCleared(app: AppName)
    /// The configuration changed the set of backends.
    case backendsChanged(added: [BackendID], removed: [BackendID], drained: [BackendID], undrained: [BackendID])
    /// A failed apply will be tried again after `delay`.
    case applyRetryScheduled(attempt: Int, delay: Duration)
}

/// One backend's phase change with the evidence behind it.
public struct BackendTransition: Hashable, Sendable {
    public enum Cause: Hashable, Sendable {
        case probe(ProbeOutcome)
        case cooldownElapsed
        case halfOpenExpired
        case checkDisabled
    }

    public let backend: BackendID
    public let from: BackendPhase
    public let to: BackendPhase
    public let cause: Cause
    public let consecutiveSuccesses: Int
    public let consecutiveFailures: Int
    public let at: Instant
    public let inRotationBefore: Bool
    public let inRotationAfter: Bool

    public init(
        backend: BackendID, from: BackendPhase, to: BackendPhase, cause: Cause, consecutiveSuccesses: Int,
        consecutiveFailures: Int, at: Instant, inRotationBefore: Bool, inRotationAfter: Bool
    ) {
        self.backend = backend
        self.from = from
        self.to = to
        self.cause = cause
        self.consecutiveSuccesses = consecutiveSuccesses
        self.consecutiveFailures = consecutiveFailures
        self.at = at
        self.inRotationBefore = inRotationBefore
        self.inRotationAfter = inRotationAfter
    }
}
