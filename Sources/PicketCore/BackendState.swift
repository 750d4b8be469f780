/// The judged state of one backend: its phase, the consecutive counts that move it, and the last
/// failure as evidence. A value with pure transition functions; the reconciler owns one per backend.
public struct BackendState: Hashable, Sendable {
    public private(set) var phase: BackendPhase
    public private(set) var consecutiveSuccesses = 0
    public internal(set) var consecutiveFailures = 0
    /// Re-opens in a row, the exponent of the cooldown.
    public internal(set) var reopenCount = 0
    public private(set) var lastClosedAt: Instant?
    public private(set) var lastFailure: FailureRecord?
    public private(set) var lastOutcome: ProbeOutcome?
    public private(set) var since: Instant

    public init(phase: BackendPhase, since: Instant) {
        self.phase = phase
        self.since = since
    }

    /// Folds one final probe outcome (after retries) into the state; returns the phase change, if any.
    public mutating func record(
        _ outcome: ProbeOutcome,
        check: HealthCheckSpec,
        circuit: CircuitSpec,
        now: Instant,
        random: inout RandomSource
    ) -> PhaseChange? {
        lastOutcome = outcome
        if case .failed(let failureClass, let evidence) = outcome {
            consecutiveFailures += 1
            consecutiveSuccesses = 0
            lastFailure = FailureRecord(failureClass: failureClass, evidence: evidence)
        } else {
            consecutiveSuccesses += 1
            consecutiveFailures = 0
        }
        let before = phase
        switch phase {
        case .pending, .down:
            if outcome.passed, consecutiveSuccesses >= check.successThreshold { move(to: .up, now: now) }
            else if !outcome.passed, phase == .pending, consecutiveFailures >= check.failureThreshold {
                move(to: .down, now: now)
            }
        case .up:
            if !outcome.passed, consecutiveFailures >= check.failureThreshold { move(to: .down, now: now) }
        case .halfOpen:
            if !outcome.passed {
                reopenCount += 1
                open(circuit: circuit, now: now, random: &random)
            } else if consecutiveSuccesses >= circuit.successThreshold {
                lastClosedAt = now
                move(to: .up, now: now)
            }
        case .open:
            break
        }
        if !outcome.passed, phase.circuitName == "closed", consecutiveFailures >= circuit.failureThreshold {
            if let lastClosedAt, now - lastClosedAt < circuit.maxRecoveryTimeout {
                reopenCount += 1
            } else {
                reopenCount = 0
            }
            open(circuit: circuit, now: now, random: &random)
        }
        return phase == before ? nil : PhaseChange(from: before, to: phase)
    }

    /// Ends the cooldown of an open circuit: the backend is probed again and must prove itself.
    public mutating func cooldownElapsed(now: Instant) -> PhaseChange? {
        guard case .open = phase else { return nil }
        let before = phase
        consecutiveSuccesses = 0
        consecutiveFailures = 0
        move(to: .halfOpen(since: now), now: now)
        return PhaseChange(from: before, to: phase)
    }

    /// Re-opens a half-open circuit that did not collect its passes within `halfOpenTimeout`.
    public mutating func expireHalfOpen(circuit: CircuitSpec, now: Instant, random: inout RandomSource) -> PhaseChange? {
        guard case .halfOpen(let since) = phase, now - since >= circuit.halfOpenTimeout else { return nil }
        let before = phase
        reopenCount += 1
        open(circuit: circuit, now: now, random: &random)
        return PhaseChange(from: before, to: phase)
    }

    /// A backend whose check is disabled is taken as up: nothing argues against it.
    public mutating func assumeUp(now: Instant) -> PhaseChange? {
        guard phase != .up else { return nil }
        let before = phase
        move(to: .up, now: now)
        return PhaseChange(from: before, to: phase)
    }

    /// A restarted or replaced container is a fresh process: its counts and circuit history start over,
    /// and it is out of rotation until it passes `success_threshold` checks.
    public mutating func containerRestarted(now: Instant) -> PhaseChange? {
        let before = phase
        consecutiveSuccesses = 0
        consecutiveFailures = 0
        reopenCount = 0
        lastClosedAt = nil
        move(to: .down, now: now)
        return before == phase ? nil : PhaseChange(from: before, to: phase)
    }

    private mutating func open(circuit: CircuitSpec, now: Instant, random: inout RandomSource) {
        consecutiveSuccesses = 0
        let cooldown = circuit.cooldown.delay(attempt: reopenCount, random: &random)
        move(to: .open(until: now + cooldown), now: now)
    }

    private mutating func move(to next: BackendPhase, now: Instant) {
        phase = next
        since = now
    }
}

/// A backend moved from one phase to another.
public struct PhaseChange: Hashable, Sendable {
    public let from: BackendPhase
    public let to: BackendPhase
}

/// The last failure of a backend, kept as the evidence behind its state.
public struct FailureRecord: Hashable, Sendable {
    public let failureClass: FailureClass
    public let evidence: ProbeEvidence
}
