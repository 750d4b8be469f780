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
    /// A step of a container's recovery.
    case recovery(RecoveryEvent)
    /// An operator drained or undrained a backend through the API.
    case operatorDrain(BackendID, drained: Bool)
}

/// One step of a container's recovery, with the trigger behind it.
public struct RecoveryEvent: Hashable, Sendable {
    public enum Kind: Hashable, Sendable {
        /// An attempt began: drained first when the backend was serving.
        case started(RecoveryAction, draining: Bool)
        case actionFinished(RecoveryAction, DockerActionResult, duration: Duration)
        /// Back in rotation after an action: the episode is over.
        case recovered
        /// The trigger came back after an action: the next attempt follows after a backoff.
        case didNotHelp
        /// No further actions until the container changes.
        case quarantined
        /// Out of quarantine: the container was replaced.
        case released
    }

    public let backend: BackendID
    public let container: String
    public let trigger: String?
    public let kind: Kind

    public init(backend: BackendID, container: String, trigger: String?, kind: Kind) {
        self.backend = backend
        self.container = container
        self.trigger = trigger
        self.kind = kind
    }
}

/// One backend's phase change with the evidence behind it.
public struct BackendTransition: Hashable, Sendable {
    public enum Cause: Hashable, Sendable {
        case probe(ProbeOutcome)
        case cooldownElapsed
        case halfOpenExpired
        case checkDisabled
        /// Picket restarted or recreated the container: its checks start over.
        case containerRestarted(RecoveryAction)
        /// Someone else replaced the container: its checks start over.
        case containerReplaced
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
