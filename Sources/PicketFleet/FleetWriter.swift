import Foundation
import Logging
import NIOConcurrencyHelpers
import PicketCore
import PicketStore
import PostgresNIO

/// Batches this node's writes to the fleet database, as `StoreWriter` does for SQLite: the controller
/// loop only appends to a buffer, and `run` writes it every `interval` in one transaction (arrays
/// unnested server-side: one statement per table, whatever the batch's size). While the database is
/// down, batches are dropped (counted) and the loop never waits.
public final class FleetWriter: StateWriting {
    private let database: FleetDatabase
    private let interval: Duration
    private let retention: Duration
    private let buffer = StoreBuffer()
    private let health = NIOLockedValueBox(StoreWriter.Health(ok: true, failure: nil, dropped: 0, written: 0))
    private let lastFlush = NIOLockedValueBox<Task<Void, Never>?>(nil)

    public init(database: FleetDatabase, interval: Duration = .seconds(1), retention: Duration) {
        self.database = database
        self.interval = interval
        self.retention = retention
    }

    public var currentHealth: StoreWriter.Health { health.withLockedValue { $0 } }

    public func number(_ backend: BackendID) -> BackendNumber { buffer.number(backend) }

    public func add(checks: [CheckRow]) { buffer.add(checks: checks) }

    public func add(event: EventRow) { buffer.add(event: event) }

    public func save(_ backend: StoredBackend) { buffer.save(backend) }

    public func forget(app: String, address: String) { buffer.forget(app: app, address: address) }

    /// Flushes every `interval` until cancelled; purges rows past `retention` every ten minutes.
    public func run() async {
        var flushes = 0
        while (try? await Task.sleep(for: interval)) != nil {
            await flush()
            flushes += 1
            if flushes % 600 == 1 { await purge() }
        }
    }

    /// Writes what is buffered (shutdown: after the flush under way, if any).
    public func stop() async {
        await flush()
    }

    /// Flushes one at a time, in order: a flush asked for while another runs writes after it.
    func flush() async {
        let next = lastFlush.withLockedValue { last -> Task<Void, Never> in
            let previous = last
            let next = Task { [self] in
                await previous?.value
                await writeBuffered()
            }
            last = next
            return next
        }
        await next.value
    }

    private func writeBuffered() async {
        var batch = buffer.take()
        defer { buffer.recycle(&batch) }
        let dropped = buffer.takeDropped()
        if dropped > 0 { update { $0.dropped += dropped } }
        guard !batch.isEmpty else { return }
        let node = database.node, logger = database.logger
        do {
            try await database.use(database.writes) { [batch] connection in
                try await connection.withTransaction(logger: logger) { connection in
                    try await Self.write(batch, node: node, connection, logger: logger)
                }
            }
            update { $0.written += batch.count; $0.ok = true; $0.failure = nil }
        } catch {
            update { $0.dropped += batch.count; $0.ok = false; $0.failure = words(for: error) }
        }
    }

    private static func write(_ batch: StoreBatch, node: String, _ connection: PostgresConnection, logger: Logger) async throws {
        if !batch.checks.isEmpty {
            let named = batch.checks.compactMap { check in batch.backend(of: check).map { (check, $0) } }
            let (checks, backends) = (named.map(\.0), named.map(\.1))
            try await connection.query("""
                INSERT INTO picket_checks (at, node, app, address, passed, failure_class, latency_ms, status)
                SELECT at, \(node), app, address, passed, NULLIF(failure, ''), CASE WHEN latency < 0 THEN NULL ELSE latency END, NULLIF(status, 0)::INTEGER
                FROM UNNEST(\(checks.map(\.at))::FLOAT8[], \(backends.map(\.app.description))::TEXT[],
                    \(backends.map(\.address.description))::TEXT[], \(checks.map(\.passed))::BOOL[],
                    \(checks.map { $0.failureClass?.rawValue ?? "" })::TEXT[], \(checks.map { $0.latencyMs ?? -1 })::FLOAT8[],
                    \(checks.map { $0.status ?? 0 })::INT8[])
                    AS c(at, app, address, passed, failure, latency, status)
                """, logger: logger)
        }
        if !batch.events.isEmpty {
            let events = batch.events
            try await connection.query("""
                INSERT INTO picket_events (at, node, app, address, kind, detail)
                SELECT at, \(node), app, address, kind, detail
                FROM UNNEST(\(events.map(\.at))::FLOAT8[], \(events.map(\.app))::TEXT[], \(events.map(\.address))::TEXT[], \(events.map(\.kind))::TEXT[],
                    \(events.map(\.detail))::TEXT[]) AS e(at, app, address, kind, detail)
                """, logger: logger)
        }
        if !batch.backends.isEmpty {
            let rows = Array(batch.backends.values)
            try await connection.query("""
                INSERT INTO picket_backend_state
                    (node, app, address, phase, in_rotation, circuit_open, consecutive_failures, flaps, operator_drained, restarts, quarantine_reason, updated_at,
                     container)
                SELECT \(node), app, address, phase, in_rotation, circuit_open, failures::INTEGER, flaps::INTEGER, drained, restarts, NULLIF(quarantine, ''), updated_at,
                    NULLIF(container, '')
                FROM UNNEST(\(rows.map(\.app))::TEXT[], \(rows.map(\.address))::TEXT[], \(rows.map(\.phase))::TEXT[], \(rows.map(\.inRotation))::BOOL[],
                    \(rows.map(\.circuitOpen))::BOOL[], \(rows.map(\.consecutiveFailures))::INT8[], \(rows.map(\.flaps))::INT8[], \(rows.map(\.operatorDrained))::BOOL[],
                    \(rows.map { $0.restarts.map { String($0) }.joined(separator: ",") })::TEXT[], \(rows.map { $0.quarantineReason ?? "" })::TEXT[],
                    \(rows.map(\.updatedAt))::FLOAT8[], \(rows.map { $0.container ?? "" })::TEXT[])
                    AS b(app, address, phase, in_rotation, circuit_open, failures, flaps, drained, restarts, quarantine, updated_at, container)
                ON CONFLICT (node, app, address) DO UPDATE SET
                    phase = EXCLUDED.phase, in_rotation = EXCLUDED.in_rotation, circuit_open = EXCLUDED.circuit_open,
                    consecutive_failures = EXCLUDED.consecutive_failures, flaps = EXCLUDED.flaps, operator_drained = EXCLUDED.operator_drained,
                    restarts = EXCLUDED.restarts, quarantine_reason = EXCLUDED.quarantine_reason, updated_at = EXCLUDED.updated_at,
                    container = EXCLUDED.container
                """, logger: logger)
        }
        if !batch.forget.isEmpty {
            try await connection.query("""
                DELETE FROM picket_backend_state WHERE node = \(node)
                AND (app, address) IN (SELECT * FROM UNNEST(\(batch.forget.map(\.0))::TEXT[], \(batch.forget.map(\.1))::TEXT[]))
                """, logger: logger)
        }
    }

    private func purge() async {
        let cutoff = Date().timeIntervalSince1970 - Double(retention.components.seconds)
        let logger = database.logger
        _ = try? await database.use(database.writes) { connection in
            try await connection.query("DELETE FROM picket_checks WHERE at < \(cutoff)", logger: logger)
            try await connection.query("DELETE FROM picket_events WHERE at < \(cutoff)", logger: logger)
        }
    }

    private func update(_ change: (inout StoreWriter.Health) -> Void) {
        health.withLockedValue { change(&$0) }
    }
}
