import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import PicketConfig
import PicketCore
import PicketDocker
import PicketFleet

/// The fleet side of the shell, when `state.url` names a PostgreSQL database: this node's batched
/// writes, the operator actions it shares and follows, and the lease on its Docker engine. Everything
/// it learns reaches the controller loop as events; nothing here touches the core.
///
/// A database that does not answer at start is a degraded start, not a failure and not a wait: Picket
/// manages nginx from its own checks, takes no Docker action, and `run` keeps trying to prepare the
/// database (migrations, node registration); writes, actions and the lease start once it answers.
final class FleetShell: Sendable {
    let database: FleetDatabase
    let writer: FleetWriter
    let store: FleetStore
    let actions: FleetActions
    private let settings: FleetSettings
    /// Each Docker engine's lease, once the engine has said its ID.
    private let leases = NIOLockedValueBox<[DockerEngineName: EngineLease]>([:])
    private let logger: Logger
    private let metrics: PicketMetrics

    init(url: DatabaseURL, state: StateSettings, settings: FleetSettings, group: EventLoopGroup, logger: Logger, metrics: PicketMetrics) throws(FleetError) {
        let connection = try FleetConnection(url: url, passwordFile: state.passwordFile, environment: ProcessInfo.processInfo.environment)
        database = FleetDatabase(node: settings.nodeName, connection: connection, group: group, logger: logger) { up in metrics.persistence(up: up) }
        writer = FleetWriter(database: database, retention: state.retention)
        store = FleetStore(database: database)
        actions = FleetActions(database: database)
        self.settings = settings
        self.logger = logger
        self.metrics = metrics
    }

    var persistence: Persistence { Persistence(store: store, writer: writer) }

    /// Prepares the database once, within its timeout: true when it answered.
    func prepare() async -> Bool {
        do {
            let applied = try await database.prepare()
            metrics.persistence(up: true)
            logger.notice(
                "fleet database \(database.connection.url) ready\(applied.isEmpty ? "" : ", migrations \(applied.map(String.init).joined(separator: ", ")) applied"); this node is \(settings.nodeName)",
                metadata: ["event": "fleet_joined", "node": "\(settings.nodeName)"])
            return true
        } catch {
            metrics.persistence(up: false)
            return false
        }
    }

    /// Prepares the database (until it answers, when it did not at start), then writes, follows
    /// operator actions and keeps the engine's lease until cancelled.
    func run(prepared: Bool, docker: DockerShell?, events: AsyncStream<ControllerEvent>.Continuation) async {
        var random = RandomSource(seed: .random(in: 1...UInt64.max))
        var attempt = 0
        var ready = prepared
        while !ready, !Task.isCancelled {
            try? await Task.sleep(for: PersistenceRetry.backoff.delay(attempt: attempt, random: &random))
            ready = await prepare()
            attempt += 1
        }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.writer.run() }
            group.addTask { await self.actions.follow { action in events.yield(.fleetAction(action)) } }
            for (name, client) in docker?.clients ?? [:] { group.addTask { await self.keepLease(name, client, events: events) } }
            await group.waitForAll()
        }
    }

    /// Names the engine by its ID (asked until it answers: every node reaching the engine, by whatever
    /// address, gets the same), then holds its lease whenever it can. Changes reach the loop in order;
    /// a lease taken comes after the other nodes' recovery history, so budgets spent and quarantines
    /// decided elsewhere stand before this node acts on anything.
    private func keepLease(_ name: DockerEngineName, _ client: DockerClient, events: AsyncStream<ControllerEvent>.Continuation) async {
        var id: String?
        while id == nil, !Task.isCancelled {
            id = try? await client.engineID()
            if id == nil { try? await Task.sleep(for: .seconds(2)) }
        }
        guard let id else { return }
        let lease = EngineLease(database: database, scope: "docker-engine:\(id)", ttl: settings.leaseTTL)
        leases.withLockedValue { $0[name] = lease }
        let (changes, continuation) = AsyncStream.makeStream(of: EngineLease.Holding?.self)
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                await lease.run { continuation.yield($0) }
                continuation.finish()
            }
            group.addTask {
                for await holding in changes {
                    if holding != nil, let peers = try? await self.store.peerRecovery() { events.yield(.peerRecovery(peers)) }
                    events.yield(.leaseChanged(engine: name, token: holding.map(\.token), scope: lease.scope))
                }
            }
        }
    }

    /// Nil when this node may act on `engine` now (the database confirms its lease), else why not.
    func confirmLease(engine: DockerEngineName) async -> String? {
        guard let lease = leases.withLockedValue({ $0[engine] }) else {
            return "Docker engine \(engine) has not said its ID yet, so its lease is not held"
        }
        return await lease.confirm()
    }

    /// Shares an operator action this node carried out (in the background: the API has answered).
    func publish(_ action: OperatorAction, on id: BackendID) async {
        _ = await actions.publish(action.rawValue, app: id.app.description, address: id.address.description)
    }
}
