/// The decision core of Picket: events in, effects out.
///
/// It owns every backend's state and the probe schedule, decides when the upstream file must change,
/// and coalesces bursts into one apply. It performs no I/O, reads no clock and logs nothing: each
/// method takes the current `Instant` and returns `Effect`s for the shell to carry out. The desired file
/// is always recomputed from current state (level-triggered); events only make that happen sooner.
public struct Reconciler: Sendable {
    /// The apps in effect: configured instances plus discovered containers.
    public private(set) var apps: [AppSpec] = []
    var configuredApps: [AppSpec] = []
    var discovered: [AppName: [ContainerObservation]] = [:]
    var containersListedAt = Instant.zero
    /// Backends that are containers, in order: the only ones recovery looks at.
    var containerBackends: [BackendID] = []
    /// The next instant a recovery step is due (a drain ending, a backoff ending, a trigger maturing).
    var recoveryWake: Instant?
    /// Backends ramping up after rejoining (slow start).
    var rampingBackends: Set<BackendID> = []
    /// Backends ejected by passive detection, until their ejection ends.
    var ejectedBackends: Set<BackendID> = []
    /// Remembered state for backends not seen yet (containers are only known after a listing).
    var pendingRestore: [BackendID: SavedBackend] = [:]
    /// Every backend remembered at start, by app: where a Docker app's containers were, for as long as
    /// the engine has not been listed.
    var remembered: [AppName: [ServerAddress]] = [:]
    /// When the first config was loaded: the first round waits for Docker from here.
    var startedAt: Instant?
    /// Docker apps that went into the first round without a listing.
    var unlistedApps: Set<AppName> = []
    public private(set) var settings: ControllerSettings
    var records = BackendTable()
    var timers = ProbeTimers()
    var edges = EdgeWatches()
    var random: RandomSource
    var nextTicket: UInt64 = 1
    /// Rotation changes found while handling the current event, reported at its end.
    var rotationChanges: [RotationChange] = []
    /// Applies are held until every backend has a verdict, so a restart of Picket never flaps nginx.
    public internal(set) var firstRoundComplete = false
    /// The set nginx last accepted, nil until the first apply.
    public internal(set) var applied: UpstreamSet?
    public internal(set) var inFlight: ApplyPlan?
    var coalescer: Coalescer
    var applyFailures = 0
    var retryAt: Instant?
    var nextResync: Instant?
    var allDownApps: Set<AppName> = []
    /// Upstreams nginx refused, by app: while an app's desired upstream is still the refused one, its
    /// last accepted upstream is applied instead, so one bad app never holds back the others.
    var rejectedUpstreams: [AppName: Upstream] = [:]
    /// The Docker engines on whose containers this Picket may act: nil (alone) means every one; in a
    /// fleet, those whose lease it holds (`leaseChanged`). Elsewhere recovery waits where it is: checks,
    /// verdicts and the nginx file go on as before.
    public internal(set) var leasedEngines: Set<DockerEngineName>?

    public init(settings: ControllerSettings = ControllerSettings(), seed: UInt64) {
        self.settings = settings
        random = RandomSource(seed: seed)
        coalescer = Coalescer(quiet: settings.coalesceQuiet, max: settings.coalesceMax)
    }

    /// The earliest instant at which `timerFired` has something to do.
    public var nextDeadline: Instant? {
        [timers.min?.due, edges.next, applyDeadline, recoveryWake, nextRampStep, firstListingDeadline, nextEjectionEnd].compactMap { $0 }.min()
    }

    /// The state of every backend, in app and instance order.
    public var backends: [BackendSnapshot] {
        apps.flatMap { app in
            app.instances.compactMap { backend(BackendID(app: app.name, address: $0.address)) }
        }
    }

    /// One backend's state, if it exists.
    public func backend(_ id: BackendID) -> BackendSnapshot? {
        records.index(forKey: id).map { BackendSnapshot(id: id, record: records[at: $0], slot: records.slot(at: $0)) }
    }

    /// The upstream set that current state calls for. An operator's drain counts as a config drain, so
    /// the all-down policy never brings a drained backend back.
    public var desiredUpstreams: UpstreamSet {
        let drainedApps = apps.map { app in
            var app = app
            for index in app.instances.indices where records[BackendID(app: app.name, address: app.instances[index].address)]?.operatorDrained == true {
                app.instances[index].drain = true
            }
            return app
        }
        return UpstreamSet(apps: drainedApps) { id, _ in records[id]?.fate ?? .out }
    }

    // MARK: Events

    /// A configuration was loaded (at start or on SIGHUP). Unchanged backends keep their state.
    public mutating func configLoaded(_ newApps: [AppSpec], settings newSettings: ControllerSettings, now: Instant) -> [Effect] {
        if newSettings != settings {
            settings = newSettings
            coalescer = Coalescer(quiet: newSettings.coalesceQuiet, max: newSettings.coalesceMax)
            noteRotationChange(now)
        }
        if startedAt == nil { startedAt = now }
        configuredApps = newApps
        let dockerApps = Set(newApps.filter { $0.docker != nil }.map(\.name))
        discovered = discovered.filter { dockerApps.contains($0.key) }
        return sync(now: now)
    }

    /// Picket restarted: resume what it remembered. Call before the first `configLoaded`; backends that
    /// appear later (containers) pick up their memory when they do.
    public mutating func restore(_ saved: [SavedBackend]) {
        for backend in saved {
            pendingRestore[backend.id] = backend
            remembered[backend.id.app, default: []].append(backend.id.address)
        }
    }

    /// Docker listed the containers of these apps (taken at `listedAt`). Each listing replaces the last
    /// for its app: containers join as new backends, vanished ones leave at once.
    public mutating func containersListed(_ containers: [AppName: [ContainerObservation]], listedAt: Instant, now: Instant) -> [Effect] {
        for (app, list) in containers where configuredApps.contains(where: { $0.name == app && $0.docker != nil }) {
            discovered[app] = list
            unlistedApps.remove(app)
        }
        containersListedAt = listedAt
        return sync(now: now)
    }

    /// Recomputes the effective apps (configured instances plus discovered containers) and brings the
    /// backend records in line: new ones start pending, vanished ones are dropped, changed ones keep their
    /// state.
    private mutating func sync(now: Instant) -> [Effect] {
        let (newApps, containers) = effectiveApps()
        var effects: [Effect] = []
        var added: [BackendID] = [], restored: [BackendID] = [], drained: [BackendID] = [], undrained: [BackendID] = []
        var kept: Set<BackendID> = []
        records.reserve(newApps.reduce(0) { $0 + $1.instances.count })
        for app in newApps {
            let appPolicy = AppPolicy(app)
            for instance in app.instances {
                let id = BackendID(app: app.name, address: instance.address)
                kept.insert(id)
                let container = containers[id]
                let policy = appPolicy.overridden(by: container?.checkOverrides)
                let check = policy.check.value
                if let record = records[id] {
                    if record.instance.drain != instance.drain {
                        if instance.drain { drained.append(id) } else { undrained.append(id) }
                    }
                    let wasChecked = record.check.enabled
                    modify(id, now: now) {
                        $0.instance = instance
                        $0.adopt(policy)
                    }
                    effects += observeContainer(id, container, now: now)
                    if !check.enabled {
                        effects += forceUp(id, now: now)
                    } else if !wasChecked {
                        schedule(id, at: now + random.duration(below: check.interval))
                    }
                } else {
                    let phase: BackendPhase = check.enabled ? .pending : .up
                    var record = BackendRecord(
                        instance: instance, policy: policy, state: BackendState(phase: phase, since: now),
                        container: container, containerSeenAt: container.map { _ in containersListedAt })
                    if let saved = pendingRestore.removeValue(forKey: id) {
                        record.restore(saved, now: now)
                        restored.append(id)
                    } else {
                        added.append(id)
                    }
                    insert(id, record, now: now)
                    if check.enabled {
                        schedule(id, at: now + check.initialDelay + random.duration(below: record.state.phase == .down ? check.outInterval : check.interval))
                    }
                }
            }
        }
        let removed = records.ids.filter { !kept.contains($0) }.sorted()
        for id in removed { remove(id, now: now) }
        containerBackends = records.entries.filter { $0.1.container != nil }.map(\.0).sorted()
        let appsChanged = newApps != apps
        apps = newApps
        let change = BackendsChange(added: added, restored: restored, removed: removed, drained: drained, undrained: undrained)
        if !change.isEmpty { effects.append(.record(.backendsChanged(change))) }
        if appsChanged { noteRotationChange(now) }
        effects += checkFirstRound(now: now)
        return effects + dueEffects(now: now)
    }

    /// The configured apps with their discovered containers appended as instances. A container on an
    /// address the app already has (a static instance, or another container) is left out.
    private func effectiveApps() -> ([AppSpec], [BackendID: ContainerObservation]) {
        var containers: [BackendID: ContainerObservation] = [:]
        let apps = configuredApps.map { configured in
            guard let list = discovered[configured.name] else {
                guard unlistedApps.contains(configured.name) else { return configured }
                var app = configured
                let taken = Set(app.instances.map(\.address))
                app.instances += (remembered[app.name] ?? []).filter { !taken.contains($0) }.map { InstanceSpec(address: $0) }
                return app
            }
            let (app, listed) = configured.adding(containers: list)
            containers.merge(listed) { first, _ in first }
            return app
        }
        return (apps, containers)
    }

    /// A probe finished (one attempt). Failed attempts are retried up to `max_retries` before they count;
    /// an inconclusive one (a local fault) never counts.
    public mutating func probeCompleted(_ report: ProbeReport, now: Instant) -> [Effect] {
        probesCompleted([report], now: now)
    }

    /// Probes finished together (the shell hands them over in batches): each is taken in order, then
    /// what their verdicts and the passing time call for, once for the batch.
    public mutating func probesCompleted(_ reports: [ProbeReport], now: Instant) -> [Effect] {
        var effects: [Effect] = []
        for report in reports { effects += record(report, now: now) }
        return effects + timerFired(now: now)
    }

    /// One probe's verdict, without the due work that follows it.
    private mutating func record(_ report: ProbeReport, now: Instant) -> [Effect] {
        guard let index = records.index(forKey: report.backend, slot: report.slot) else { return [] }
        let slot = records.slot(at: index)
        let admission = visit(index) { record -> ReportAdmission in
            guard record.inFlight.contains(report.ticket) else { return .stale }
            if case .shed = report.outcome {
                record.inFlight.remove(report.ticket)
                return .shed
            }
            guard case .failed = report.outcome, report.attempt < record.check.maxRetries else { return .counts }
            return .retry
        }
        switch admission {
        case .stale, .shed: return []
        case .retry: return [.probe(probeRequest(at: index, slot: slot, attempt: report.attempt + 1, ticket: report.ticket, dueAt: report.dueAt))]
        case .counts: break
        }
        var effects: [Effect] = []
        let change = modify(report.backend, at: index, now: now) { $0.finish(report, now: now) }
        if let change {
            effects.append(transition(report.backend, change, cause: .probe(report.outcome), now: now))
        }
        scheduleNextProbe(at: index, dueAt: report.dueAt, now: now)
        if change?.from.phase == .pending {
            effects += checkFirstRound(now: now)
        }
        return effects
    }

    /// Time passed: send due probes, step ramps and recoveries, and start an apply whose moment has come.
    public mutating func timerFired(now: Instant) -> [Effect] {
        if let deadline = firstListingDeadline, now >= deadline {
            unlistedApps = Set(configuredApps.filter { $0.docker != nil && discovered[$0.name] == nil }.map(\.name))
            let count = unlistedApps.reduce(0) { $0 + (remembered[$1]?.count ?? 0) }
            return [.record(.firstListingOverdue(apps: unlistedApps.sorted(), remembered: count))] + sync(now: now)
        }
        return dueEffects(now: now)
    }

    /// When the first round stops waiting for Docker's first listing, while it still waits.
    var firstListingDeadline: Instant? {
        guard !firstRoundComplete, unlistedApps.isEmpty, let startedAt,
            configuredApps.contains(where: { $0.docker != nil && discovered[$0.name] == nil })
        else { return nil }
        return startedAt + settings.firstListingWait
    }

    /// The shell finished an apply.
    public mutating func applyFinished(_ outcome: ApplyOutcome, now: Instant) -> [Effect] {
        guard let plan = inFlight else { return [] }
        inFlight = nil
        switch outcome {
        case .applied, .unchanged:
            applied = plan.upstreams
            applyFailures = 0
            retryAt = nil
            confirmDrains(plan.upstreams, now: now)
            return dueEffects(now: now)
        case .rejected(let app, let message):
            // When nginx refuses even the app's last accepted upstream, the fault is not the app's
            // change (a template, the rest of nginx.conf): that backs off like any failure instead of
            // alternating between the two upstreams at every coalescing window.
            if let refused = plan.upstreams.upstreams.first(where: { $0.name == app }), rejectedUpstreams[app] != refused,
                let accepted = applied?.upstreams.first(where: { $0.name == app }), accepted != refused
            {
                rejectedUpstreams[app] = refused
                coalescer.noteChange(at: now)
                return [.record(.upstreamRejected(app: app, message: message))] + dueEffects(now: now)
            }
            return applyFailed(now: now)
        case .failed:
            return applyFailed(now: now)
        }
    }

    /// A failed apply is tried again after a growing backoff.
    private mutating func applyFailed(now: Instant) -> [Effect] {
        let delay = settings.applyRetry.delay(attempt: applyFailures, random: &random)
        applyFailures += 1
        retryAt = now + delay
        coalescer.noteChange(at: now)
        return [.record(.applyRetryScheduled(attempt: applyFailures, delay: delay))] + dueEffects(now: now)
    }
}

/// The core's view of one backend, for status output and tests.
public struct BackendSnapshot: Hashable, Sendable {
    public let id: BackendID
    public let instance: InstanceSpec
    public let check: HealthCheckSpec
    public let circuit: CircuitSpec
    public let state: BackendState
    public let container: ContainerObservation?
    public let recovery: RecoveryState
    public let operatorDrained: Bool
    /// Why it is in or out of rotation: the one derivation every consumer reads.
    public let rotation: RotationReason
    /// The weight step while it ramps up (slow start), of `SlowStart.steps`.
    public let rampStep: Int?
    /// The record's slot in the core's table, which this backend's probe reports name (`ProbeReport.slot`):
    /// the runtime keeps per-backend data by it.
    public let slot: Int32

    public var inRotation: Bool { rotation.isInRotation }

    init(id: BackendID, record: BackendRecord, slot: Int32) {
        self.id = id
        self.slot = slot
        instance = record.instance
        check = record.check
        circuit = record.circuit
        state = record.state
        container = record.container
        recovery = record.recovery
        operatorDrained = record.operatorDrained
        rotation = record.rotation
        rampStep = record.ramp?.step
    }
}

/// What a probe report is to its backend: from a probe no longer awaited, an edge probe never sent, a
/// failed attempt to try again, or a verdict that counts.
private enum ReportAdmission {
    case stale
    /// An edge probe that was never sent: its ticket is let go; the check beside it still stands.
    case shed
    case retry
    case counts
}
