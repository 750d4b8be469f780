/// The judged state of one backend: its phase and circuit, the consecutive counts that move them, the
/// flap history that damps them, and the last failure as evidence. A value with pure transition
/// functions; the reconciler owns one per backend.
public struct BackendState: Hashable, Sendable {
    public private(set) var phase: BackendPhase
    public private(set) var circuit: Circuit = .closed
    /// When the circuit last opened (kept while half-open): how long the failure has persisted.
    public private(set) var circuitOpenedAt: Instant?
    public internal(set) var consecutiveSuccesses = 0
    public internal(set) var consecutiveFailures = 0
    /// When the current run of passes began: the hold-down of a flapping backend is timed from here.
    public private(set) var passingSince: Instant?
    /// Re-ejections soon after a readmission, forgiven one per `flap_window` in rotation.
    public internal(set) var flaps = 0
    /// When the backend last went from down to up.
    public private(set) var readmittedAt: Instant?
    /// Backed-off probes in a row: the exponent of the probe spacing of a backend that stays out.
    private var backoffStep = 0
    public private(set) var lastFailure: FailureRecord?
    public private(set) var lastOutcome: ProbeOutcome?
    /// When the phase last changed.
    public private(set) var since: Instant

    public init(phase: BackendPhase, since: Instant) {
        self.phase = phase
        self.since = since
    }

    /// Folds one final probe outcome (after retries) into the state; returns the change, if any.
    @inline(__always)
    public mutating func record(_ outcome: ProbeOutcome, check: HealthCheckSpec, circuit spec: CircuitSpec, now: Instant) -> HealthChange? {
        let before = health
        switch outcome {
        case .inconclusive, .shed:
            return nil
        case .failed(let failureClass, let evidence):
            consecutiveFailures += 1
            consecutiveSuccesses = 0
            passingSince = nil
            lastFailure = FailureRecord(failureClass: failureClass, evidence: evidence)
            if phase != .down, consecutiveFailures >= min(check.failureThreshold, spec.failureThreshold) {
                eject(spec: spec, now: now)
            }
            switch circuit {
            case .closed where consecutiveFailures >= spec.failureThreshold:
                circuit = .open
                circuitOpenedAt = now
            case .halfOpen:
                circuit = .open
            case .closed, .open:
                break
            }
        case .passed:
            consecutiveSuccesses += 1
            consecutiveFailures = 0
            backoffStep = 0
            if consecutiveSuccesses == 1 { passingSince = now }
            if circuit == .open { circuit = .halfOpen }
            if phase != .up, consecutiveSuccesses >= check.successThreshold, heldDownUntil(spec: spec).map({ now >= $0 }) ?? true {
                if phase == .down { readmittedAt = now }
                move(to: .up, now: now)
                circuit = .closed
                circuitOpenedAt = nil
            }
        }
        lastOutcome = outcome
        return health == before ? nil : HealthChange(from: before, to: health)
    }

    /// The phase and circuit together, as transitions report them.
    public var health: Health { Health(phase: phase, circuit: circuit) }

    /// Until when a passing backend that has flapped must keep passing before it returns; nil when no
    /// hold-down applies (it never flapped, or it is not passing).
    public func heldDownUntil(spec: CircuitSpec) -> Instant? {
        guard let passingSince, flaps > 0 else { return nil }
        return passingSince + spec.holdDown(flaps: flaps)
    }

    /// How long until the next probe, by where the backend stands: `interval` while steady,
    /// `fast_interval` while in transition, `down_interval` while out, backed off (doubling up to
    /// `max_probe_interval`) once the circuit has been open for `recovery_timeout`.
    @inline(__always)
    public mutating func nextProbeDelay(check: HealthCheckSpec, circuit spec: CircuitSpec, now: Instant, random: inout RandomSource) -> Duration {
        switch phase {
        case .pending:
            return lastOutcome == nil ? check.interval : check.transitionInterval
        case .up:
            return consecutiveFailures > 0 ? check.transitionInterval : random.jittered(check.interval, by: check.jitter)
        case .down:
            if consecutiveSuccesses > 0 {
                return consecutiveSuccesses < check.successThreshold ? check.transitionInterval : check.interval
            }
            guard circuit == .open, let openedAt = circuitOpenedAt, now - openedAt >= spec.recoveryTimeout else {
                return random.jittered(check.outInterval, by: check.jitter)
            }
            let backoff = Backoff(base: check.outInterval, cap: spec.maxProbeInterval, jitter: spec.jitter)
            backoffStep += 1
            return backoff.delay(attempt: backoffStep, random: &random)
        }
    }

    /// A backend whose check is disabled is taken as up: nothing argues against it.
    public mutating func assumeUp(now: Instant) -> HealthChange? {
        let before = health
        circuit = .closed
        circuitOpenedAt = nil
        if phase != .up { move(to: .up, now: now) }
        return health == before ? nil : HealthChange(from: before, to: health)
    }

    /// A restarted or replaced container is a fresh process: its counts and circuit start over, and it
    /// is out of rotation until it passes `success_threshold` checks. Its flap history stays: a
    /// container that keeps crashing keeps flapping.
    public mutating func containerRestarted(now: Instant) -> HealthChange? {
        let before = health
        consecutiveSuccesses = 0
        consecutiveFailures = 0
        passingSince = nil
        backoffStep = 0
        circuit = .closed
        circuitOpenedAt = nil
        if phase != .down { move(to: .down, now: now) }
        return health == before ? nil : HealthChange(from: before, to: health)
    }

    /// A restored backend whose circuit was open: open again, timed from now, so its probes start at
    /// the down interval and it rejoins as soon as it passes.
    mutating func resumeOpenCircuit(now: Instant) {
        circuit = .open
        circuitOpenedAt = now
    }

    /// Out of rotation. A re-ejection within `flap_window` of the last readmission is a flap; each
    /// whole window the backend stayed in first forgives one.
    private mutating func eject(spec: CircuitSpec, now: Instant) {
        if phase == .up, let readmittedAt {
            let inRotation = now - readmittedAt
            let forgiven = spec.flapWindow > .zero ? Int(min(inRotation / spec.flapWindow, Double(Int32.max))) : flaps
            flaps = max(0, flaps - forgiven)
            if inRotation < spec.flapWindow { flaps += 1 }
        }
        move(to: .down, now: now)
    }

    private mutating func move(to next: BackendPhase, now: Instant) {
        phase = next
        since = now
    }
}

/// A backend's phase and circuit together.
public struct Health: Hashable, Sendable {
    public let phase: BackendPhase
    public let circuit: Circuit

    public init(phase: BackendPhase, circuit: Circuit) {
        self.phase = phase
        self.circuit = circuit
    }
}

/// A backend's phase or circuit changed.
public struct HealthChange: Hashable, Sendable {
    public let from: Health
    public let to: Health
}

/// The last failure of a backend, kept as the evidence behind its state.
public struct FailureRecord: Hashable, Sendable {
    public let failureClass: FailureClass
    public let evidence: ProbeEvidence

    public init(failureClass: FailureClass, evidence: ProbeEvidence) {
        self.failureClass = failureClass
        self.evidence = evidence
    }
}
