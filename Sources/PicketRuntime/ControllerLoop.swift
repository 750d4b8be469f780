import Foundation
import Logging
import NIOCore
import PicketConfig
import PicketCore
import PicketDocker
import PicketNginx
import PicketPassive
import PicketProbes

/// The state the controller's loop owns: the core, the current setup, the wake-up timer, the apply
/// under way. Only the loop calls into it.
///
/// Once running it lives on the probe engine's thread: the events of the stream reach it in a task
/// that prefers that thread, and its wake-ups and report batches, the events of nearly every turn,
/// reach it there directly from the engine's scheduled work, without a hop through the stream (each
/// cost a task resumption and generic lookups: about a sixth of Picket's CPU at 100 backends). Hence
/// a class, and unchecked: that one thread is what keeps it safe.
final class ControllerLoop: @unchecked Sendable {
    var core: Reconciler
    var recentChecks = RecentChecks()
    /// TLS backends' certificate expiry, for the gauge, `why` and the `tls_cert_expiring` alert.
    var certificates = CertificateWatch()
    /// What `/readyz` says beyond the core's own facts: failing applies, probes Picket could not make.
    var readiness = Readiness()
    /// What the dashboard's header says: start, last apply, reloads, checks per second.
    var activity = Activity()
    /// Where the loop's news goes besides the log: metrics, the state database, alerts, Docker.
    var outlets: ControllerOutlets
    var metrics: PicketMetrics { outlets.metrics }
    var persistence: Persistence? { outlets.persistence }
    var docker: DockerShell? { outlets.docker }
    private(set) var setup: RuntimeSetup
    private let configPath: String
    let logger: Logger
    private let events: AsyncStream<ControllerEvent>.Continuation
    private let engine: ProbeEngine
    private lazy var batcher = ReportBatcher(engine: engine) { [weak self] batch in self?.deliver(.probes(batch)) }
    private var wake: (at: Instant, task: ScheduledWork)?
    /// The loop has ended (`close`): work of the engine's still due delivers nothing.
    private var closed = false
    /// The set the upstream file nginx runs was rendered from; nil until Picket wrote (or confirmed) it
    /// this run, and after a config reload that renders it differently. In `lua` mode a change only goes
    /// through Lua against it.
    private var liveFile: UpstreamSet?
    private var applyTask: Task<Void, Never>?
    private var lag = LagMonitor()
    /// Config reads asked for so far (SIGHUP); only the result of the last one is taken.
    private var configReads = 0
    /// How many probes the open-file limit leaves room for.
    private let budget: DescriptorBudget
    /// Start-up's memory has been given back (after the first apply that follows the first round).
    private var startupMemoryReleased = false

    init(
        setup: RuntimeSetup, configPath: String, logger: Logger, events: AsyncStream<ControllerEvent>.Continuation,
        outlets: ControllerOutlets, seed: UInt64, budget: DescriptorBudget
    ) throws(ProbeSystemError) {
        self.outlets = outlets
        self.budget = budget
        self.setup = setup
        self.configPath = configPath
        self.logger = logger
        self.events = events
        core = Reconciler(settings: setup.configuration.controller, seed: seed)
        let probes = budget.probes(configured: setup.configuration.maxConcurrentProbes)
        let engine = try ProbeEngine(maxConcurrent: probes, maxIdle: budget.idleConnections(probes: probes), replyTick: Self.grid)
        self.engine = engine
    }

    /// nginx cannot start while a file it includes is missing: write the set with every instance taken
    /// as healthy (validated like any other), so the first real verdicts only ever remove servers.
    func bootstrapIfNeeded() async {
        let outputs = setup.renderer.render(.assumingHealthy(setup.configuration.apps))
        guard !setup.applier.allExist(outputs) else { return }
        let report = await setup.applier.apply(outputs, reload: false)
        ApplyLog.bootstrap(report, outputs: outputs.files.map(\.path), to: logger)
    }

    /// Probes in flight at once under the descriptor budget; says so when the config asks for more.
    func probeConcurrency(_ configured: Int) -> Int {
        let allowed = budget.probes(configured: configured)
        if allowed < configured {
            logger.warning(
                "probes.max_concurrent is \(configured) but the open-file limit \(budget.limit) leaves room for \(allowed) probes at once (\(DescriptorBudget.reserve) kept for Picket itself, \(budget.statusConnections) for status connections); more wait their turn",
                metadata: ["event": "probe_budget", "configured": "\(configured)", "allowed": "\(allowed)"])
        }
        return allowed
    }

    /// Starts from what the state database remembered (read before, as it may take a round trip).
    private func start(remembered: [SavedBackend]) {
        let config = setup.configuration
        _ = probeConcurrency(config.maxConcurrentProbes)
        logger.notice("picket started: \(config.apps.count) apps, \(config.backendCount) backends, writing \(config.nginx.output)",
            metadata: ["event": "started", "apps": "\(config.apps.count)", "backends": "\(config.backendCount)"])
        let now = MonotonicClock.now()
        if let persistence {
            core.restore(remembered)
            let out = remembered.filter { $0.phase == .out }.count, drained = remembered.filter(\.operatorDrained).count
            logger.notice("state resumed from \(persistence.store.location): \(remembered.count) backends remembered, \(out) out, \(drained) drained by operator",
                metadata: ["event": "state_resumed"])
        }
        if outlets.fleet != nil {
            // In a fleet no Docker action is taken before this node holds the engine's lease.
            core.requireLeases()
        }
        perform(core.configLoaded(config.apps, settings: config.controller, now: now))
    }

    /// Runs the loop on the probe engine's thread: start-up, then every event of `events` until it
    /// finishes.
    func run(remembered: [SavedBackend], events: AsyncStream<ControllerEvent>) async {
        await withTaskExecutorPreference(engine) {
            start(remembered: remembered)
            for await event in events {
                handle(event)
            }
            close()
        }
    }

    /// An event from the engine's own scheduled work, on its thread.
    private func deliver(_ event: ControllerEvent) {
        guard !closed else { return }
        handle(event)
    }

    /// Ends the loop on the engine's thread: no wake-up or report batch reaches it afterwards.
    private func close() {
        closed = true
        wake?.task.cancel()
        wake = nil
    }

    func handle(_ event: ControllerEvent) {
        let now = MonotonicClock.now()
        switch event {
        case .probes(let batch):
            let date = Date()
            // Every outlet takes its part of each check in one pass over the batch. A shed edge probe
            // was never sent: not a check for any outlet, only a ticket for the core.
            var tally = metrics.tally()
            var rows = persistence?.rows(capacity: batch.checkCount)
            batch.forEachCheck { report, timing in
                tally.add(report, timing)
                rows?.add(report, at: date.timeIntervalSince1970)
                if let warning = lag.record(timing, at: now) { logger.warning("\(warning)", metadata: ["event": "probe_lag"]) }
                recentChecks.record(report, at: date)
                noteLocalFault(report, now: now)
                noteCertificate(report, at: date)
            }
            tally.commit(shedEdges: batch.shedEdges)
            if let rows { persistence?.record(rows) }
            activity.checked(batch.checkCount, at: now)
            // Batches arrive on the wake-up grid: the core's due work after a batch stands in for a
            // wake-up that is due, which saves the loop a second one (each costs more than a dozen checks' work).
            if let due = wake, due.at <= now {
                due.task.cancel()
                wake = nil
            }
            perform(core.probesCompleted(batch.reports, now: now))
        case .tick(let at):
            guard wake?.at == at else { return }  // called off, or replaced by an earlier one
            wake = nil
            perform(core.timerFired(now: now))
        case .applyFinished(let outcome, let delivery):
            applyTask = nil
            if let file = delivery.file { liveFile = file }
            readiness.applyFinished(outcome, at: now)
            activity.applyFinished(outcome, route: delivery.route, at: Date())
            perform(core.applyFinished(outcome, now: now))
            if !startupMemoryReleased, core.firstRoundComplete {
                startupMemoryReleased = true
                let logger = logger
                Task { StartupMemory.release(logger: logger) }
            }
        case .reloadRequested:
            readConfig()
        case .configLoaded(let result, let generation):
            guard generation == configReads else { return }  // a later SIGHUP's read is under way
            reloadConfig(result, now: now)
        case .containers(let containers, let listedAt):
            perform(core.containersListed(containers, listedAt: listedAt, now: now))
        case .passiveReady:
            guard let ingest = outlets.passive else { return }
            metrics.passive(ingest.results)
            let tallies = ingest.drain()
            metrics.passiveTraffic(tallies)
            perform(core.passiveReported(tallies, now: now))
        case .dockerActionFinished(let command, let result):
            docker?.resyncSoon()
            perform(core.dockerActionFinished(command, result: result, now: now))
        case .query(let query, let reply):
            reply(answer(query, now: now))
        case .command(let action, let backend, let reply):
            let answer = execute(action, on: backend, now: now)
            if case .done = answer, let fleet = outlets.fleet { Task { await fleet.publish(action, on: backend) } }
            reply(answer)
        case .fleetAction(let shared):
            takeIn(shared, now: now)
        case .leaseChanged(let engine, let token, let scope):
            leaseChanged(engine, token: token, scope: scope, now: now)
        case .peerRecovery(let rows):
            adoptPeerRecovery(rows, now: now)
        case .persistenceOpened(let persistence):
            attach(persistence, now: now)
        }
    }

    /// After `run`, off the engine's thread: stops the engine, then waits for the apply and the state
    /// writer.
    func stop() async {
        engine.shutdown()
        await applyTask?.value
        await persistence?.writer.stop()
    }

    /// Exports the expiry of the certificate a TLS backend presented and alerts once when it gets close
    /// (the alert is also the log line).
    private func noteCertificate(_ report: ProbeReport, at date: Date) {
        guard let expiry = report.outcome.evidence.certificateExpiry, let tls = core.backend(report.backend)?.check.tls else { return }
        metrics.certificateExpiry(report.backend, expiry)
        let now = Int64(date.timeIntervalSince1970)
        guard let left = certificates.record(report.backend, expiry: expiry, warningDays: tls.expiryWarningDays, now: now) else { return }
        let id = report.backend
        let when = left < 0 ? "expired \(-left) day\(left == -1 ? "" : "s") ago" : "expires in \(left) day\(left == 1 ? "" : "s")"
        let message = "the TLS certificate of \(id.address) (\(id.app)) \(when), under the \(tls.expiryWarningDays) days of tls.expiry_warning_days"
        outlets.alerts.raise(Alert(.tlsCertExpiring, app: id.app, backend: id.address, message: message,
            evidence: ["days_left": "\(left)", "expires_at": FixedText.iso8601(epochSeconds: expiry)]))
    }

    /// Writes what an observation changed to the state database (batched, off the loop).
    private func remember(_ observation: Observation) {
        guard let persistence else { return }
        let now = MonotonicClock.now()
        func save(_ id: BackendID, _ kind: String, _ detail: String) {
            if let backend = core.backend(id) { persistence.save(backend, now: now) }
            persistence.log(kind, id, detail)
        }
        switch observation {
        case .transition(let transition):
            save(transition.backend, "transition", "\(transition.from.phase.rawValue) → \(transition.to.phase.rawValue), circuit \(transition.to.circuit.rawValue)")
        case .rotation(let change) where !change.reason.isRemoval:
            save(change.backend, change.inRotation ? "rotation_joined" : "rotation_left", change.reason.words)
        case .recovery(let event):
            save(event.backend, "recovery", RecoveryLog.summary(event))
        case .operatorDrain(let id, let drained):
            save(id, drained ? "drain" : "undrain", "by operator")
        case .passiveEjection(let id, let ejection):
            save(id, "passive_ejection", ejection.words)
        case .backendsChanged(let change):
            for id in change.removed { persistence.forget(id) }
        case .rotation, .firstRoundCompleted, .allDown, .allDownCleared, .applyRetryScheduled, .slowStartStep, .upstreamRejected, .firstListingOverdue, .passiveEjectionHeld:
            break
        }
    }

    /// Reads and checks the config in a task of its own: the loop runs on the probe engine's thread, and
    /// parsing a large file there would hold up every check meanwhile.
    private func readConfig() {
        logger.notice("config reload requested (SIGHUP): \(configPath)", metadata: ["event": "config_reload"])
        configReads += 1
        let generation = configReads, path = configPath, events = events
        Task {
            let result = Result { () throws(SetupError) -> RuntimeSetup in try RuntimeSetup.load(path: path) }
            events.yield(.configLoaded(result, generation: generation))
        }
    }

    private func reloadConfig(_ result: Result<RuntimeSetup, SetupError>, now: Instant) {
        do {
            let fresh = try result.get()
            if !fresh.configuration.dockerApps.isEmpty, docker == nil {
                logger.error("config rejected, keeping the running one: it adds docker apps, and Picket started without any; restart Picket instead",
                    metadata: ["event": "config_rejected"])
                return
            }
            if let docker, case let added = Set(fresh.dockerEngines.keys).subtracting(docker.engineNames), !added.isEmpty {
                logger.error("config rejected, keeping the running one: apps use Docker engines Picket did not start with (\(added.sorted().map(\.description).joined(separator: ", "))); restart Picket instead",
                    metadata: ["event": "config_rejected"])
                return
            }
            // A config that writes the same file differently (template, paths, mode) sends the next
            // apply through the file; one that only changes apps leaves that to ApplyRoute.
            if let live = liveFile, fresh.renderer.render(live) != setup.renderer.render(live) { liveFile = nil }
            setup = fresh
            outlets.lua.update(fresh.configuration.nginx)
            metrics.configured(fresh.configuration)
            for warning in fresh.warnings { logger.warning("config: \(warning)", metadata: ["event": "config_warning"]) }
            docker?.update(fresh.configuration)
            let probes = probeConcurrency(fresh.configuration.maxConcurrentProbes)
            engine.update(maxConcurrent: probes, maxIdle: budget.idleConnections(probes: probes))
            logger.notice("config reloaded: \(fresh.configuration.apps.count) apps, \(fresh.configuration.backendCount) backends",
                metadata: ["event": "config_reloaded"])
            perform(core.configLoaded(fresh.configuration.apps, settings: fresh.configuration.controller, now: now))
        } catch {
            metrics.configRejected()
            for line in error.lines { logger.error("config rejected, keeping the running one: \(line)", metadata: ["event": "config_rejected"]) }
        }
    }

    func perform(_ effects: [Effect]) {
        var probes: [ProbeRequest] = []
        for effect in effects {
            switch effect {
            case .probe(let request):
                probes.append(request)
            case .apply(let plan):
                startApply(plan)
            case .docker(let command):
                runDockerAction(command)
            case .record(let observation):
                ObservationLog.log(observation, to: logger)
                metrics.observe(observation)
                if let alert = Alert(observation) { outlets.alerts.raise(alert) }
                remember(observation)
                if case .backendsChanged(let change) = observation {
                    recentChecks.forget(change.removed)
                    certificates.forget(change.removed)
                    outlets.passive?.route(core.backends.map(\.id))
                }
            }
        }
        let batcher = batcher
        engine.submit(probes) { report, timing in batcher.add(report, timing) }
        scheduleWake()
    }

    private func startApply(_ plan: ApplyPlan) {
        let renderer = setup.renderer
        let applier = setup.applier
        let logger = logger
        let events = events
        let outlets = outlets
        let mode = setup.configuration.nginx.mode
        let chosen = ApplyRoute.choose(mode: mode, live: liveFile, desired: plan.upstreams)
        let live = liveFile
        applyTask = Task {
            var route = chosen
            if route == .lua, let live {
                guard case .failure(let failure) = await outlets.lua.apply(plan, against: live) else {
                    events.yield(.applyFinished(.applied, ApplyDelivery(route: .lua, file: nil)))
                    return
                }
                route = .file(.pushFailed(failure.description))
            }
            let outputs = renderer.render(plan.upstreams)
            let report = await applier.apply(outputs)
            ApplyLog.log(plan, report, route: route, to: logger)
            outlets.metrics.apply(report)
            let fileLive: Bool
            switch report.outcome {
            case .applied, .unchanged:
                fileLive = true
                outlets.metrics.fileApplied(outputs, at: Date().timeIntervalSince1970)
            case .failed(let error):
                fileLive = false
                outlets.alerts.raise(Alert(.nginxApplyFailed, message: "nginx refused the upstream file at \(error.stage.rawValue): \(error)",
                    evidence: ["stage": error.stage.rawValue, "error": "\(error)", "reason": plan.reason.rawValue]))
            }
            if mode == .lua, fileLive { await outlets.lua.follow(file: plan.upstreams) }
            events.yield(.applyFinished(report.coreOutcome(rendered: outputs), ApplyDelivery(route: route, file: fileLive ? plan.upstreams : nil)))
        }
    }

    private func runDockerAction(_ command: DockerCommand) {
        guard let docker, let source = setup.configuration.apps.first(where: { $0.name == command.backend.app })?.docker else { return }
        let events = events
        let fleet = outlets.fleet
        Task {
            if let refusal = await fleet?.confirmLease(engine: source.engine) {
                events.yield(.dockerActionFinished(command, .notLeaseHolder(refusal)))
                return
            }
            let result = await docker.perform(command, source: source)
            events.yield(.dockerActionFinished(command, result))
        }
    }

    /// Wake-ups and report hand-overs fall on this grid, so that checks due close together go out in
    /// one batch, their I/O lands in the same wake-ups of the probe engine, and their reports come back
    /// in the same wake-up of the loop as the next tick: at 1,000 checks a second this cut the CPU per
    /// check from about 250 µs to 175 µs (BENCHMARKS.md). 20 ms is far below any probe interval and the
    /// coalescing window.
    static let grid: Int64 = 20_000_000

    /// The first grid point not before `instant`.
    static func gridPoint(after instant: Instant) -> Instant {
        Instant(nanoseconds: (instant.nanoseconds + grid - 1) / grid * grid)
    }

    /// Keeps one timer armed for the core's next deadline, on the grid, kept by the probe engine's
    /// thread (awake for the checks anyway).
    private func scheduleWake() {
        guard let next = Self.nextDeadline(of: &core) else { return }
        let deadline = Self.gridPoint(after: next)
        if let wake, wake.at <= deadline { return }
        wake?.task.cancel()
        let task = engine.schedule(at: deadline) { [weak self] in self?.deliver(.tick(deadline)) }
        wake = (deadline, task)
    }

    /// The core's next deadline, read in place: read through the class, the getter of another module
    /// was handed a copy of the whole core first (every field retained and released), once a turn.
    private static func nextDeadline(of core: inout Reconciler) -> Instant? {
        core.nextDeadline
    }
}
