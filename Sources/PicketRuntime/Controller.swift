import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import PicketCore
import PicketFleet
import PicketHTTPClient
import PicketPassive
import PicketProbes
import PicketStore
import ServiceLifecycle
import UnixSignals

/// The imperative shell around the `Reconciler`: one loop owns the core and is its only writer; probes,
/// applies, timers and signals run beside it and report back as events.
///
/// SIGHUP reloads the config (a bad one is logged and the running one kept); graceful shutdown stops
/// the loop and leaves the last good file in place.
public final class Controller: Service {
    private let configPath: String
    private let logger: Logger
    private let group: EventLoopGroup
    private let seed: UInt64
    private let initialSetup: RuntimeSetup

    public init(setup: RuntimeSetup, configPath: String, logger: Logger, group: EventLoopGroup, seed: UInt64 = .random(in: 1...UInt64.max)) {
        initialSetup = setup
        self.configPath = configPath
        self.logger = logger
        self.group = group
        self.seed = seed
    }

    public func run() async throws {
        let (events, continuation) = AsyncStream.makeStream(of: ControllerEvent.self)
        let metrics = PicketMetrics()
        metrics.configured(initialSetup.configuration)
        let budget = DescriptorBudget.current
        let configuredClients = initialSetup.configuration.status.maxEventClients
        let hub = EventHub(maxClients: budget.eventClients(configured: configuredClients), metrics: metrics, logger: self.logger)
        let logger = self.logger.tapped(by: hub)
        if hub.maxClients < configuredClients {
            logger.warning(
                "status.max_event_clients is \(configuredClients) but the open-file limit \(budget.limit) leaves room for \(budget.statusConnections) status connections; at most \(hub.maxClients) follow the event stream, so that /healthz and the API keep room",
                metadata: ["event": "event_clients_budget", "configured": "\(configuredClients)", "allowed": "\(hub.maxClients)"])
        }
        let alerts = Alerting(
            dispatcher: initialSetup.configuration.alerts.webhooks.isEmpty
                ? nil : AlertDispatcher(settings: initialSetup.configuration.alerts, group: group, logger: logger, metrics: metrics),
            logger: logger)
        let docker = initialSetup.dockerEngines.isEmpty ? nil : try DockerShell(
            engines: initialSetup.dockerEngines, configuration: initialSetup.configuration, group: group, logger: logger, events: continuation
        ) { engine, reason in
            let named = engine == .default ? "" : " \(engine)"
            alerts.raise(Alert(.dockerEngineDown, message: "Docker engine\(named) unreachable: \(reason)", evidence: ["engine": "\(engine)", "error": reason]))
        }
        for warning in initialSetup.warnings { logger.warning("config: \(warning)", metadata: ["event": "config_warning"]) }
        if let finished = await initialSetup.applier.finishInterruptedSwap() {
            let reloaded = finished.reloadError.map { "nginx not reloaded: \($0)" } ?? "nginx reloaded"
            logger.notice("finished the swap an interrupted apply left half done (\(finished.files.joined(separator: ", "))); \(reloaded)",
                metadata: ["event": "swap_finished", "files": "\(finished.files.count)"])
        }
        let leftovers = initialSetup.applier.removeLeftovers()
        if !leftovers.isEmpty {
            logger.notice("removed \(leftovers.count) files an interrupted apply left behind: \(leftovers.joined(separator: ", "))",
                metadata: ["event": "leftovers_removed"])
        }
        let state = initialSetup.configuration.state
        let fleet = try state.url.map { url throws(FleetError) in
            try FleetShell(url: url, state: state, settings: initialSetup.configuration.fleet, group: group, logger: logger, metrics: metrics)
        }
        let fleetPrepared = await fleet?.prepare() ?? false
        let opened = fleet == nil ? Persistence.open(state, logger: logger, metrics: metrics) : nil
        let persistence = fleet?.persistence ?? (try? opened?.get())
        var persistenceFailure: String?
        if case .failure(let error)? = opened { persistenceFailure = error.description }
        if let fleet, !fleetPrepared {
            logger.error(
                "fleet database \(fleet.database.connection.url) did not answer at start: running degraded, nginx from this node's own checks and no Docker action; joining when it answers",
                metadata: ["event": "fleet_degraded"])
        }
        let passive = await startPassive(events: continuation, logger: logger)
        if let ingest = passive?.ingest { metrics.watchTraffic(ingest) }
        let outlets = ControllerOutlets(
            docker: docker, metrics: metrics, persistence: persistence, persistenceFailure: persistenceFailure, alerts: alerts, events: hub,
            passive: passive?.ingest, lua: LuaSync(settings: initialSetup.configuration.nginx, group: group, logger: logger, metrics: metrics),
            fleet: fleet)
        let loop = try ControllerLoop(
            setup: initialSetup, configPath: configPath, logger: logger, events: continuation, outlets: outlets, seed: seed,
            budget: budget)
        let store = NIOLockedValueBox<(any StateReading)?>(persistence?.store)
        let status = await startStatusServer(
            metrics: metrics, store: { store.withLockedValue { $0 } }, fleet: fleet?.store, connections: StatusConnections(limit: budget.statusConnections),
            events: continuation, hub: hub, logger: logger)
        await loop.bootstrapIfNeeded()
        let remembered = fleet != nil && !fleetPrepared ? [] : await persistence?.remembered(now: MonotonicClock.now(), logger: logger) ?? []
        let fleetTask = Task { await fleet?.run(prepared: fleetPrepared, docker: docker, events: continuation) }
        let retry = Task { [initialSetup, logger, seed] in
            guard persistenceFailure != nil else { return }
            await PersistenceRetry.run(initialSetup.configuration.state, logger: logger, metrics: metrics, seed: seed) { opened in
                store.withLockedValue { $0 = opened.store }
                continuation.yield(.persistenceOpened(opened))
            }
        }
        let discovery = Task { await docker?.run() }
        let luaChecks = Task { await outlets.lua.watch() }
        let signals = Task {
            for await _ in await UnixSignalsSequence(trapping: .sighup) { continuation.yield(.reloadRequested) }
        }
        await withGracefulShutdownHandler {
            await withTaskCancellationHandler {
                // On the probe engine's thread: most events come from it (reports, ticks), and the
                // probes they cause go back to it, without a thread hand-over either way.
                await loop.run(remembered: remembered, events: events)
            } onCancel: {
                continuation.finish()
            }
        } onGracefulShutdown: {
            continuation.finish()
        }
        signals.cancel()
        discovery.cancel()
        luaChecks.cancel()
        await luaChecks.value
        fleetTask.cancel()
        retry.cancel()
        try? await status?.close()
        hub.closeAll()
        passive?.listener.stop()
        alerts.stop()
        // Off the engine's thread, which this stops.
        await withTaskExecutorPreference(globalConcurrentExecutor) { await loop.stop() }
        await fleet?.database.close()
        logger.notice("picket stopped; the last applied upstream file stays in place", metadata: ["event": "stopped"])
    }

    /// Passive detection listens where nginx sends its access log; when it cannot, Picket says so and
    /// goes on with active checks alone.
    private func startPassive(events: AsyncStream<ControllerEvent>.Continuation, logger: Logger) async -> (ingest: PassiveIngest, listener: PassiveListener)? {
        guard let endpoint = initialSetup.configuration.passive else { return nil }
        let ingest = PassiveIngest()
        do {
            let listener = try PassiveListener(endpoint, ingest: ingest) { _ = events.yield(.passiveReady) }
            logger.info("passive detection listening on \(endpoint) for nginx's access log (nginx/passive.conf)", metadata: ["event": "passive_listening"])
            return (ingest, listener)
        } catch {
            logger.error("passive detection could not listen on \(endpoint): \(error); going on with active checks only",
                metadata: ["event": "passive_failed"])
            return nil
        }
    }

    /// The status server is a window, not a duty: when it cannot listen, Picket says so and goes on
    /// managing nginx.
    private func startStatusServer(
        metrics: PicketMetrics, store: @escaping @Sendable () -> (any StateReading)?, fleet: FleetStore?, connections: StatusConnections,
        events: AsyncStream<ControllerEvent>.Continuation, hub: EventHub, logger: Logger
    ) async -> Channel? {
        let settings = initialSetup.configuration.status
        guard settings.enabled else { return nil }
        let mailbox = ControllerMailbox(events: events)
        let router = StatusRouter(
            token: settings.token, metrics: metrics, logger: logger, events: hub,
            store: store, fleet: fleet, ask: { await mailbox.ask($0) }, command: { await mailbox.command($0, $1) })
        do {
            let channel = try await StatusServer.start(host: settings.host, port: settings.port, group: group, connections: connections) {
                await router.respond($0)
            }
            logger.info(
                "status server listening on http://\(settings.host):\(settings.port) (at most \(connections.limit) connections, \(StatusServer.requestTimeout.shortDescription) to send a request)",
                metadata: ["event": "status_listening"])
            return channel
        } catch {
            logger.error("status server could not listen on \(settings.host):\(settings.port): \(error); going on without it",
                metadata: ["event": "status_failed"])
            return nil
        }
    }
}
