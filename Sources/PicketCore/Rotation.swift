/// Why a backend is in or out of rotation: the one reason that decides it, derived from its record in
/// one place (`BackendRecord.rotation`). The file, the log, the metrics, the store and the API all read
/// this, so they can never disagree; the words for it live in the shell.
public enum RotationReason: Hashable, Sendable {
    /// In: passed its checks, this many in a row.
    case passed(successes: Int)
    /// In: its check is disabled, nothing argues against it.
    case checkDisabled
    /// Out: no verdict yet.
    case pending
    /// Out: failed its checks, this many in a row, with the last failure's class.
    case failed(failures: Int, FailureClass?, circuit: Circuit)
    /// Out: drained in the config or by an operator; still checked.
    case drained(DrainSource)
    /// Out: Docker's own HEALTHCHECK reports the container unhealthy.
    case dockerUnhealthy
    /// Out: real users' requests through nginx failed (passive detection) until the ejection ends.
    case ejected(PassiveEjection)
    /// Out: a container recovery holds it (draining before an action, acting, or quarantined).
    case recovery(RecoveryHold)
    /// Out: the backend no longer exists.
    case removed(RemovalCause)

    public var isRemoval: Bool {
        if case .removed = self { return true }
        return false
    }

    public var isInRotation: Bool {
        switch self {
        case .passed, .checkDisabled: return true
        case .pending, .failed, .drained, .dockerUnhealthy, .ejected, .recovery, .removed: return false
        }
    }
}

/// Who drained a backend.
public enum DrainSource: String, Hashable, Sendable {
    /// `drain: true` on the instance in the config file.
    case config
    /// Through the status API (kept across config reloads).
    case `operator`
}

/// What part of a container recovery keeps a backend out.
public enum RecoveryHold: Hashable, Sendable {
    case draining(before: RecoveryAction, RecoveryTrigger)
    case acting(RecoveryAction, RecoveryTrigger)
    case quarantined(QuarantineReason)
}

/// Why a backend went away.
public enum RemovalCause: String, Hashable, Sendable {
    case removedFromConfig = "removed_from_config"
    case containerGone = "container_gone"
}

/// A backend joined or left rotation: emitted once per change, for every cause, by the core.
public struct RotationChange: Hashable, Sendable {
    public let backend: BackendID
    public let inRotation: Bool
    public let reason: RotationReason
    public let at: Instant

    public init(backend: BackendID, inRotation: Bool, reason: RotationReason, at: Instant) {
        self.backend = backend
        self.inRotation = inRotation
        self.reason = reason
        self.at = at
    }
}
