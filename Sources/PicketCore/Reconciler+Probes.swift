/// The probe schedule: when each backend is probed next, and what the due timers turn into.
extension Reconciler {
    mutating func schedule(_ id: BackendID, at due: Instant) {
        guard let index = records.index(forKey: id) else { return }
        schedule(at: index, due: due)
    }

    private mutating func schedule(at index: Int, due: Instant) {
        let token = nextTicket
        nextTicket += 1
        records[at: index].timerToken = token
        timers.insert(ProbeTimer(due: due, slot: records.slot(at: index), token: token))
    }

    /// Schedules a backend's next probe after one finished. A steady backend keeps its cadence from the
    /// time the last probe was due; the shorter spacings (fast, down, backed off) count from now, as
    /// HAProxy's `fastinter` and `downinter` do.
    mutating func scheduleNextProbe(at index: Int, dueAt: Instant, now: Instant) {
        var random = random
        let next = visit(index) { record -> (delay: Duration, steady: Bool)? in
            guard record.check.enabled else { return nil }
            let delay = record.nextProbeDelay(now: now, random: &random)
            return (delay, record.state.phase == .up && record.state.consecutiveFailures == 0)
        }
        self.random = random
        guard let next else { return }
        schedule(at: index, due: next.steady ? max(dueAt + next.delay, now) : now + next.delay)
    }

    /// A timer still stands for a probe when it is the backend's live timer and fewer than two probes are
    /// under way.
    private static func probeDue(_ timer: ProbeTimer, _ record: BackendRecord) -> Bool {
        record.check.enabled && record.timerToken == timer.token && record.inFlight.hasRoom
    }

    /// An edge stands for a probe when its probe is still the only one, silent, on a steady backend.
    private static func probeDue(_ edge: EdgeWatches.Watch, _ record: BackendRecord) -> Bool {
        record.check.enabled && record.inFlight.isOnly(edge.ticket) && record.state.phase == .up && record.state.consecutiveFailures == 0
    }

    /// When a steady backend's check has not answered within half its timeout (and at least the fast
    /// interval), the next check goes out beside it: a hung backend then fails its second check half a
    /// timeout after its first instead of a whole interval later, so ejection does not wait for checks
    /// in sequence. nil when the backend is in transition already, or the timeout is too short to gain.
    /// Inlined: a call copied the whole record to the stack first (see `BackendRecord.rotation`).
    @inline(__always)
    static func edgeDelay(_ record: BackendRecord) -> Duration? {
        guard record.state.phase == .up, record.state.consecutiveFailures == 0 else { return nil }
        // Halved in nanoseconds: `Duration / Int` is generic over the integer and, unspecialized here,
        // cost microseconds a check (perf).
        let delay = max(record.check.transitionInterval, .nanoseconds(record.check.timeout.nanoseconds / 2))
        return delay < record.check.timeout ? delay : nil
    }

    /// The next probe timer or edge due by `now`, whichever is earlier (an edge on a tie).
    private mutating func nextProbeWake(now: Instant) -> ProbeWake? {
        let timerDue = timers.min.flatMap { $0.due <= now ? $0.due : nil }
        if let edge = edges.popDue(by: timerDue ?? now) { return .edge(edge) }
        guard timerDue != nil else { return nil }
        return timers.popMin().map(ProbeWake.timer)
    }

    mutating func probeRequest(at index: Int, slot: Int32, attempt: Int, ticket: UInt64, dueAt: Instant, edge: Bool = false) -> ProbeRequest {
        ProbeRequest(subject: records.probeSubject(at: index), attempt: attempt, ticket: ticket, dueAt: dueAt, slot: slot, edge: edge)
    }

    /// Everything whose time has come: due probes, ramp steps and recovery steps; then the rotation
    /// changes this event caused, and an apply.
    mutating func dueEffects(now: Instant) -> [Effect] {
        var effects: [Effect] = []
        while let wake = nextProbeWake(now: now) {
            guard let index = records.index(ofSlot: wake.slot) else { continue }
            let ticket = nextTicket
            var edge: Duration?
            let due = visit(index) { record -> Bool in
                switch wake {
                case .timer(let timer): guard Self.probeDue(timer, record) else { return false }
                case .edge(let edge): guard Self.probeDue(edge, record) else { return false }
                }
                record.inFlight.insert(ticket)
                if !wake.isEdge { edge = Self.edgeDelay(record) }
                return true
            }
            guard due else { continue }
            nextTicket += 1
            effects.append(.probe(probeRequest(at: index, slot: wake.slot, attempt: 0, ticket: ticket, dueAt: wake.due, edge: wake.isEdge)))
            if let edge {
                // From now, when the check goes out, not from when it was due: a check sent late has not
                // been silent for the time it was late.
                edges.add(EdgeWatches.Watch(due: now + edge, slot: wake.slot, ticket: ticket), delay: edge)
            }
        }
        effects += stepRamps(now: now)
        endEjections(now: now)
        effects += recoveryEffects(now: now)
        effects += drainRotationChanges()
        effects += planApply(now: now)
        return effects
    }

    /// A backend whose check was disabled is taken as up and no longer probed.
    mutating func forceUp(_ id: BackendID, now: Instant) -> [Effect] {
        let change = modify(id, now: now) { record -> HealthChange? in
            record.inFlight.removeAll()
            record.timerToken = 0
            return record.state.assumeUp(now: now)
        } ?? nil
        return change.map { [transition(id, $0, cause: .checkDisabled, now: now)] } ?? []
    }

    func transition(_ id: BackendID, _ change: HealthChange, cause: BackendTransition.Cause, now: Instant) -> Effect {
        let state = records[id]!.state
        return .record(.transition(BackendTransition(
            backend: id, from: change.from, to: change.to, cause: cause, consecutiveSuccesses: state.consecutiveSuccesses,
            consecutiveFailures: state.consecutiveFailures, flaps: state.flaps, at: now)))
    }

    /// The first round is complete once every backend has a verdict and every Docker app has been
    /// listed once: before that, an empty container list would only mean "not asked yet".
    mutating func checkFirstRound(now: Instant) -> [Effect] {
        guard !firstRoundComplete, !records.values.contains(where: { $0.state.phase == .pending }),
            configuredApps.allSatisfy({ $0.docker == nil || discovered[$0.name] != nil || unlistedApps.contains($0.name) })
        else { return [] }
        firstRoundComplete = true
        noteRotationChange(now)
        let inRotation = records.values.filter(\.inRotation).count
        let drained = records.values.filter { if case .drained = $0.rotation { $0.state.phase == .up } else { false } }.count
        return [.record(.firstRoundCompleted(FirstRound(backends: records.count, inRotation: inRotation, drained: drained)))]
    }
}
