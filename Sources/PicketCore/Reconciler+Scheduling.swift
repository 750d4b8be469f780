import HeapModule

/// Per-backend bookkeeping inside the reconciler.
struct BackendRecord: Sendable {
    var instance: InstanceSpec
    var check: HealthCheckSpec
    var circuit: CircuitSpec
    var state: BackendState
    /// The ticket of the probe under way, if any.
    var inFlightTicket: UInt64?
    /// Only the timer carrying this token is live; older ones are skipped when they surface.
    var timerToken: UInt64 = 0
    /// The container behind this backend, for apps that discover instances in Docker.
    var container: ContainerObservation?
    /// When the listing that last showed the container was taken.
    var containerSeenAt: Instant?
    var recovery = RecoveryState()
    /// Drained through the status API (kept across config reloads, unlike the config's `drain`).
    var operatorDrained = false

    /// Takes on what was remembered of this backend before Picket restarted.
    mutating func restore(_ saved: SavedBackend, now: Instant) {
        if check.enabled { state = BackendState(restoring: saved, now: now) }
        operatorDrained = saved.operatorDrained
        recovery.restarts = saved.restarts
        if let reason = saved.quarantineReason { recovery.phase = .quarantined(since: now, reason: reason) }
    }

    /// Up by its checks, not drained, not reported unhealthy by Docker, and not held out by a recovery.
    var inRotation: Bool {
        state.phase.isUp && !instance.drain && !operatorDrained && container?.health != .unhealthy && !recovery.phase.keepsOutOfRotation
    }
}

/// A wake-up for one backend: its next probe, or the end of its circuit's cooldown.
struct ProbeTimer: Comparable, Sendable {
    let due: Instant
    let backend: BackendID
    let token: UInt64

    static func < (lhs: ProbeTimer, rhs: ProbeTimer) -> Bool {
        (lhs.due, lhs.token) < (rhs.due, rhs.token)
    }

    static func == (lhs: ProbeTimer, rhs: ProbeTimer) -> Bool {
        lhs.due == rhs.due && lhs.token == rhs.token
    }
}

extension Reconciler {
    mutating func schedule(_ id: BackendID, at due: Instant) {
        guard records[id] != nil else { return }
        let token = nextTicket
        nextTicket += 1
        records[id]!.timerToken = token
        timers.insert(ProbeTimer(due: due, backend: id, token: token))
    }

    func request(for id: BackendID, record: BackendRecord, attempt: Int, ticket: UInt64, dueAt: Instant) -> ProbeRequest {
        return ProbeRequest(backend: id, target: record.check.target(for: record.instance.address), check: record.check, attempt: attempt, ticket: ticket, dueAt: dueAt)
    }

    /// Everything whose time has come: due probes (ending cooldowns on the way), then an apply.
    mutating func dueEffects(now: Instant) -> [Effect] {
        var effects: [Effect] = []
        while let timer = timers.min, timer.due <= now {
            timers.removeMin()
            guard var record = records[timer.backend], record.timerToken == timer.token, record.check.enabled else { continue }
            if let change = record.state.cooldownElapsed(now: now) {
                effects.append(transition(timer.backend, change, cause: .cooldownElapsed, wasInRotation: record.inRotation, now: now))
            }
            let ticket = nextTicket
            nextTicket += 1
            record.inFlightTicket = ticket
            records[timer.backend] = record
            effects.append(.probe(request(for: timer.backend, record: record, attempt: 0, ticket: ticket, dueAt: timer.due)))
        }
        effects += recoveryEffects(now: now)
        effects += planApply(now: now)
        return effects
    }

    mutating func forceUp(_ id: BackendID, now: Instant) -> [Effect] {
        guard var record = records[id] else { return [] }
        let wasInRotation = record.inRotation
        record.inFlightTicket = nil
        record.timerToken = 0
        guard let change = record.state.assumeUp(now: now) else {
            records[id] = record
            return []
        }
        records[id] = record
        return [transition(id, change, cause: .checkDisabled, wasInRotation: wasInRotation, now: now)]
    }

    mutating func transition(_ id: BackendID, _ change: PhaseChange, cause: BackendTransition.Cause, wasInRotation: Bool, now: Instant) -> Effect {
        let record = records[id]!
        if wasInRotation != record.inRotation { noteRotationChange(now) }
        return .record(.transition(BackendTransition(
            backend: id, from: change.from, to: change.to, cause: cause,
            consecutiveSuccesses: record.state.consecutiveSuccesses, consecutiveFailures: record.state.consecutiveFailures,
            at: now, inRotationBefore: wasInRotation, inRotationAfter: record.inRotation)))
    }

    /// The first round is complete once every backend has a verdict and every Docker app has been
    /// listed once: before that, an empty container list would only mean "not asked yet".
    mutating func checkFirstRound(now: Instant) -> [Effect] {
        guard !firstRoundComplete, !records.values.contains(where: { $0.state.phase == .pending }),
            configuredApps.allSatisfy({ $0.docker == nil || discovered[$0.name] != nil })
        else { return [] }
        firstRoundComplete = true
        noteRotationChange(now)
        let up = records.values.filter(\.inRotation).count
        return [.record(.firstRoundCompleted(backends: records.count, up: up))]
    }
}
