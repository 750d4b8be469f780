/// A fact the core reports for operators: the shell logs it, counts it and stores it. The core itself
/// never logs and holds no prose: every reason is a value, and the words are the shell's.
public enum Observation: Hashable, Sendable {
    /// A backend's phase or circuit changed.
    case transition(BackendTransition)
    /// A backend joined or left rotation, whatever the cause.
    case rotation(RotationChange)
    /// Every backend has a verdict; from now on the file follows health.
    case firstRoundCompleted(FirstRound)
    /// No backend of an app is fit for traffic (or it has none): why, and what its file does about it.
    case allDown(app: AppName, AllDown)
    /// An app has a serving backend again after being all down.
    case allDownCleared(app: AppName)
    /// The configuration (or a container listing) changed the set of backends.
    case backendsChanged(BackendsChange)
    /// Docker has not been listed within `firstListingWait`: the first round goes on without it, with
    /// the remembered containers of these apps checked at their addresses.
    case firstListingOverdue(apps: [AppName], remembered: Int)
    /// A failed apply will be tried again after `delay`.
    case applyRetryScheduled(attempt: Int, delay: Duration)
    /// nginx refused this app's new upstream: it keeps its last accepted servers, and the other apps'
    /// changes go ahead without it, until its desired upstream changes again.
    case upstreamRejected(app: AppName, message: String)
    /// A step of a container's recovery.
    case recovery(RecoveryEvent)
    /// An operator drained or undrained a backend through the API.
    case operatorDrain(BackendID, drained: Bool)
    /// Real users' requests ejected a backend (passive detection).
    case passiveEjection(BackendID, PassiveEjection)
    /// A passive rule called for an ejection, but `max_ejection_percent` of the app is already ejected.
    case passiveEjectionHeld(BackendID, PassiveRule, ejected: Int)
    /// A rejoining server's weight stepped up (slow start).
    case slowStartStep(BackendID, step: Int, of: Int)
}

/// The first round's outcome, counted the way operators ask: how many serve, and why the others don't.
public struct FirstRound: Hashable, Sendable {
    public let backends: Int
    public let inRotation: Int
    /// Passing, but drained (in the config or by an operator).
    public let drained: Int

    public init(backends: Int, inRotation: Int, drained: Int) {
        self.backends = backends
        self.inRotation = inRotation
        self.drained = drained
    }
}

/// Backends that appeared or went away, and config drains that changed.
public struct BackendsChange: Hashable, Sendable {
    /// New backends; those with remembered state from before a restart are listed in `restored`.
    public let added: [BackendID]
    public let restored: [BackendID]
    public let removed: [BackendID]
    public let drained: [BackendID]
    public let undrained: [BackendID]

    public init(added: [BackendID] = [], restored: [BackendID] = [], removed: [BackendID] = [], drained: [BackendID] = [], undrained: [BackendID] = []) {
        self.added = added
        self.restored = restored
        self.removed = removed
        self.drained = drained
        self.undrained = undrained
    }

    public var isEmpty: Bool { added.isEmpty && restored.isEmpty && removed.isEmpty && drained.isEmpty && undrained.isEmpty }
}

/// One step of a container's recovery, with the trigger behind it.
public struct RecoveryEvent: Hashable, Sendable {
    public enum Kind: Hashable, Sendable {
        /// An attempt began: drained first when the backend was serving.
        case started(RecoveryAction, RecoveryTrigger, draining: Bool)
        /// nginx did not confirm a file without the server within the bound (applies failing): the
        /// action goes ahead anyway rather than leave a broken container alone.
        case drainUnconfirmed(RecoveryAction, waited: Duration)
        case actionFinished(RecoveryAction, DockerActionResult, duration: Duration)
        /// Back in rotation after an action: the episode is over.
        case recovered
        /// The trigger came back after an action: the next attempt follows after a backoff.
        case didNotHelp(RecoveryTrigger)
        /// No further actions until the container changes or an operator resets it.
        case quarantined(QuarantineReason)
        /// Out of quarantine.
        case released(ReleaseCause)
    }

    public let backend: BackendID
    public let container: String
    public let kind: Kind

    public init(backend: BackendID, container: String, kind: Kind) {
        self.backend = backend
        self.container = container
        self.kind = kind
    }
}

/// Why a quarantine ended.
public enum ReleaseCause: String, Hashable, Sendable {
    case containerReplaced = "container_replaced"
    case operatorReset = "operator_reset"
}

/// One backend's phase or circuit change with the evidence behind it.
public struct BackendTransition: Hashable, Sendable {
    public enum Cause: Hashable, Sendable {
        case probe(ProbeOutcome)
        case checkDisabled
        /// Picket restarted or recreated the container: its checks start over.
        case containerRestarted(RecoveryAction)
        /// Someone else replaced the container: its checks start over.
        case containerReplaced
    }

    public let backend: BackendID
    public let from: Health
    public let to: Health
    public let cause: Cause
    public let consecutiveSuccesses: Int
    public let consecutiveFailures: Int
    /// Flaps counted against it (see `CircuitSpec`); a readmission waits out a hold-down while > 0.
    public let flaps: Int
    public let at: Instant

    public init(backend: BackendID, from: Health, to: Health, cause: Cause, consecutiveSuccesses: Int, consecutiveFailures: Int, flaps: Int, at: Instant) {
        self.backend = backend
        self.from = from
        self.to = to
        self.cause = cause
        self.consecutiveSuccesses = consecutiveSuccesses
        self.consecutiveFailures = consecutiveFailures
        self.flaps = flaps
        self.at = at
    }
}
