/// Per-backend bookkeeping inside the reconciler.
///
/// Stored in the order a probe touches them: what every probe reads and writes first (check, subject,
/// tickets, timer, state), the rest after. A record is most of a kilobyte; with the probe's fields at
/// its head, a probe touches its first few cache lines instead of lines from end to end.
struct BackendRecord: Sendable {
    /// The app's check (or the container's, where its labels override it), shared with the app's other
    /// backends and with every probe request sent for this one.
    var sharedCheck: Shared<HealthCheckSpec>
    /// What this backend's probe requests hold (`currentSubject`), made again when the check changes.
    private var subject: ProbeSubject?
    /// The tickets of the probes under way: one, or two while an edge probe overlaps a silent one.
    var inFlight = ProbeTickets()
    /// Only the timer carrying this token is live; older ones are skipped when they surface.
    var timerToken: UInt64 = 0
    var state: BackendState
    var sharedCircuit: Shared<CircuitSpec>
    var instance: InstanceSpec
    /// The container behind this backend, for apps that discover instances in Docker.
    var container: ContainerObservation?
    /// When the listing that last showed the container was taken.
    var containerSeenAt: Instant?
    var recovery = RecoveryState()
    /// Drained through the status API (kept across config reloads, unlike the config's `drain`).
    var operatorDrained = false
    /// The app's slow start, when it applies to the app's balance method.
    var slowStartDuration: Duration?
    /// The ramp under way after rejoining, if any.
    var ramp: SlowStartRamp?
    /// The app's passive detection, and what it has seen of this backend.
    var sharedPassiveSpec: Shared<PassiveSpec>
    var passive = PassiveState()

    init(instance: InstanceSpec, policy: AppPolicy, state: BackendState, container: ContainerObservation?, containerSeenAt: Instant?) {
        self.instance = instance
        sharedCheck = policy.check
        sharedCircuit = policy.circuit
        sharedPassiveSpec = policy.passive
        slowStartDuration = policy.slowStart
        self.state = state
        self.container = container
        self.containerSeenAt = containerSeenAt
    }

    // Lent where they lie (`_read`): a getter would hand out a copy, a retain for every string and array in
    // the check, several times per check.
    var check: HealthCheckSpec { _read { yield sharedCheck.value } }
    var circuit: CircuitSpec { _read { yield sharedCircuit.value } }
    var passiveSpec: PassiveSpec { _read { yield sharedPassiveSpec.value } }

    /// Takes on the app's settings after a config load or a container listing; the state stays.
    mutating func adopt(_ policy: AppPolicy) {
        sharedCheck = policy.check
        sharedCircuit = policy.circuit
        sharedPassiveSpec = policy.passive
        slowStartDuration = policy.slowStart
    }

    /// The subject of this backend's probes while its check is unchanged; nil before the first probe and
    /// after a config load (which gives every record a new check box).
    var currentSubject: ProbeSubject? {
        guard let subject, subject.sharedCheck === sharedCheck else { return nil }
        return subject
    }

    /// A new subject for the current check, kept for every probe until the next change.
    mutating func makeSubject(for id: BackendID) -> ProbeSubject {
        let made = ProbeSubject(backend: id, target: check.target(for: instance.address), sharedCheck: sharedCheck)
        subject = made
        return made
    }

    /// Takes on what was remembered of this backend before Picket restarted.
    mutating func restore(_ saved: SavedBackend, now: Instant) {
        if check.enabled { state = BackendState(restoring: saved, now: now) }
        operatorDrained = saved.operatorDrained
        recovery.restarts = saved.restarts
        if let reason = saved.quarantine { recovery.phase = .quarantined(since: now, reason: reason) }
    }

    /// Why the backend is in or out of rotation, the first reason that applies. The one place rotation is
    /// derived: everything else reads this.
    ///
    /// Inlined, as `inRotation` is: called on a record where it lies (every check asks before and after),
    /// the call copied all of the record's bytes to the stack first, to read a handful of them.
    @inline(__always)
    var rotation: RotationReason {
        if instance.drain { return .drained(.config) }
        if operatorDrained { return .drained(.operator) }
        if let hold = recovery.hold { return .recovery(hold) }
        if container?.health == .unhealthy { return .dockerUnhealthy }
        if let ejection = passive.ejection { return .ejected(ejection) }
        switch state.phase {
        case .pending: return .pending
        case .down: return .failed(failures: state.consecutiveFailures, state.lastFailure?.failureClass, circuit: state.circuit)
        case .up: return check.enabled ? .passed(successes: state.consecutiveSuccesses) : .checkDisabled
        }
    }

    @inline(__always)
    var inRotation: Bool { rotation.isInRotation }

    /// A probe of this backend ended: it is no longer under way, and its outcome counts.
    mutating func finish(_ report: ProbeReport, now: Instant) -> HealthChange? {
        inFlight.remove(report.ticket)
        // Read through the boxes: `check` and `circuit` lend from `self`, which `state`'s mutation
        // holds, so passing them would copy each (a retain and release per string and array).
        let (check, circuit) = (sharedCheck, sharedCircuit)
        return state.record(report.outcome, check: check.value, circuit: circuit.value, now: now)
    }

    /// How long until the next probe, from the state the last one left.
    mutating func nextProbeDelay(now: Instant, random: inout RandomSource) -> Duration {
        let (check, circuit) = (sharedCheck, sharedCircuit)
        return state.nextProbeDelay(check: check.value, circuit: circuit.value, now: now, random: &random)
    }

    /// The server line this backend gets.
    var fate: ServerFate {
        inRotation ? .serving(rampStep: ramp?.step) : .out
    }
}

/// A wake-up for one backend's next probe: the backend by its record's slot (`BackendTable`), and the
/// token that says whether the record still waits for this timer.
struct ProbeTimer: Comparable, Sendable {
    let due: Instant
    let slot: Int32
    let token: UInt64

    static func < (lhs: ProbeTimer, rhs: ProbeTimer) -> Bool {
        (lhs.due, lhs.token) < (rhs.due, rhs.token)
    }

    static func == (lhs: ProbeTimer, rhs: ProbeTimer) -> Bool {
        lhs.due == rhs.due && lhs.token == rhs.token
    }
}

/// What may send a probe: the backend's next-probe timer, or the edge of a probe that has not answered.
enum ProbeWake {
    case timer(ProbeTimer)
    case edge(EdgeWatches.Watch)

    var isEdge: Bool {
        if case .edge = self { true } else { false }
    }

    var slot: Int32 {
        switch self {
        case .timer(let timer): timer.slot
        case .edge(let edge): edge.slot
        }
    }

    var due: Instant {
        switch self {
        case .timer(let timer): timer.due
        case .edge(let edge): edge.due
        }
    }
}
