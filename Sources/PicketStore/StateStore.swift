import Foundation
import GRDB

/// Picket's memory on disk: SQLite through GRDB, in WAL mode, with versioned migrations.
///
/// It keeps each backend's last known state (so a restart of Picket resumes instead of starting over),
/// the log of transitions and actions, and raw check results for `retention` (for reports). Writes
/// come in batches from `StoreWriter`, never from the controller loop itself.
public final class StateStore: Sendable {
    let pool: DatabasePool
    public let path: String

    public init(path: String) throws(StoreError) {
        self.path = path
        do {
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            var configuration = Configuration()
            configuration.busyMode = .timeout(5)
            pool = try DatabasePool(path: path, configuration: configuration)
            try Self.migrator.migrate(pool)
        } catch {
            throw StoreError(path: path, reason: "\(error)")
        }
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE backend_state (
                    app TEXT NOT NULL, address TEXT NOT NULL,
                    phase TEXT NOT NULL, open_until REAL, consecutive_failures INTEGER NOT NULL, reopen_count INTEGER NOT NULL,
                    operator_drained INTEGER NOT NULL, restarts TEXT NOT NULL, quarantine_reason TEXT, updated_at REAL NOT NULL,
                    PRIMARY KEY (app, address));
                CREATE TABLE events (
                    id INTEGER PRIMARY KEY AUTOINCREMENT, at REAL NOT NULL, app TEXT NOT NULL, address TEXT NOT NULL,
                    kind TEXT NOT NULL, detail TEXT NOT NULL);
                CREATE INDEX events_at ON events(at);
                CREATE TABLE checks (
                    at REAL NOT NULL, app TEXT NOT NULL, address TEXT NOT NULL, passed INTEGER NOT NULL,
                    failure_class TEXT, latency_ms REAL, status INTEGER);
                CREATE INDEX checks_app_at ON checks(app, at);
                """)
        }
        migrator.registerMigration("v2-health-model") { db in
            try db.execute(sql: """
                ALTER TABLE backend_state ADD COLUMN circuit_open INTEGER NOT NULL DEFAULT 0;
                ALTER TABLE backend_state ADD COLUMN flaps INTEGER NOT NULL DEFAULT 0;
                UPDATE backend_state SET circuit_open = (open_until IS NOT NULL);
                ALTER TABLE backend_state DROP COLUMN open_until;
                ALTER TABLE backend_state DROP COLUMN reopen_count;
                """)
        }
        return migrator
    }

    /// Every remembered backend.
    public func backends() throws(StoreError) -> [StoredBackend] {
        do {
            return try pool.read { db in
                try Row.fetchAll(db, sql: "SELECT * FROM backend_state ORDER BY app, address").map(StoredBackend.init(row:))
            }
        } catch {
            throw StoreError(path: path, reason: "\(error)")
        }
    }

    /// Writes one batch in one transaction.
    func write(_ batch: StoreBatch) throws {
        try pool.write { db in
            let check = try db.cachedStatement(sql: "INSERT INTO checks VALUES (?, ?, ?, ?, ?, ?, ?)")
            for row in batch.checks {
                try check.execute(arguments: [row.at, row.app, row.address, row.passed, row.failureClass, row.latencyMs, row.status])
            }
            let event = try db.cachedStatement(sql: "INSERT INTO events (at, app, address, kind, detail) VALUES (?, ?, ?, ?, ?)")
            for row in batch.events {
                try event.execute(arguments: [row.at, row.app, row.address, row.kind, row.detail])
            }
            let upsert = try db.cachedStatement(sql: """
                INSERT OR REPLACE INTO backend_state
                (app, address, phase, circuit_open, consecutive_failures, flaps, operator_drained, restarts, quarantine_reason, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
            for row in batch.backends.values {
                try upsert.execute(arguments: [
                    row.app, row.address, row.phase, row.circuitOpen, row.consecutiveFailures, row.flaps, row.operatorDrained,
                    row.restarts.map { String($0) }.joined(separator: ","), row.quarantineReason, row.updatedAt,
                ])
            }
            if !batch.forget.isEmpty {
                let delete = try db.cachedStatement(sql: "DELETE FROM backend_state WHERE app = ? AND address = ?")
                for (app, address) in batch.forget { try delete.execute(arguments: [app, address]) }
            }
        }
    }

    /// Drops check results and events older than `before` (epoch seconds).
    func purge(before: Double) throws {
        try pool.write { db in
            try db.execute(sql: "DELETE FROM checks WHERE at < ?", arguments: [before])
            try db.execute(sql: "DELETE FROM events WHERE at < ?", arguments: [before])
        }
    }

    /// The health report of one app over `[since, until]` (epoch seconds).
    public func report(app: String, since: Double, until: Double) async throws(StoreError) -> AppReport {
        do {
            return try await pool.read { db in
                let totals = try Row.fetchOne(db, sql: """
                    SELECT COUNT(*) AS total, COALESCE(SUM(passed), 0) AS passed, AVG(latency_ms) AS average
                    FROM checks WHERE app = ? AND at >= ? AND at <= ?
                    """, arguments: [app, since, until])!
                let total: Int = totals["total"]
                let passed: Int = totals["passed"]
                let latencies = try Double.fetchAll(db, sql: """
                    SELECT latency_ms FROM checks WHERE app = ? AND at >= ? AND at <= ? AND latency_ms IS NOT NULL ORDER BY latency_ms
                    """, arguments: [app, since, until])
                let p95 = latencies.isEmpty ? nil : latencies[min(latencies.count - 1, Int((Double(latencies.count) * 0.95).rounded(.up)) - 1)]
                let errors = try Row.fetchAll(db, sql: """
                    SELECT failure_class, COUNT(*) AS n FROM checks WHERE app = ? AND at >= ? AND at <= ? AND passed = 0
                    GROUP BY failure_class ORDER BY failure_class
                    """, arguments: [app, since, until])
                return AppReport(
                    app: app, windowSeconds: until - since, totalChecks: total, successfulChecks: passed, failedChecks: total - passed,
                    uptimePercent: total == 0 ? nil : (Double(passed) * 10_000 / Double(total)).rounded() / 100,
                    averageResponseMs: (totals["average"] as Double?).map { ($0 * 1000).rounded() / 1000 },
                    p95ResponseMs: p95.map { ($0 * 1000).rounded() / 1000 },
                    errors: Dictionary(uniqueKeysWithValues: errors.map { (($0["failure_class"] as String?) ?? "other", $0["n"] as Int) }))
            }
        } catch {
            throw StoreError(path: path, reason: "\(error)")
        }
    }
}

/// The store cannot be used: the path and what went wrong.
public struct StoreError: Error, Sendable, CustomStringConvertible {
    public let path: String
    public let reason: String
    public var description: String { "state database \(path): \(reason)" }
}

/// A health report: the seed's uptime, check counts, response times and error breakdown.
public struct AppReport: Codable, Sendable, Equatable {
    public let app: String
    public let windowSeconds: Double
    public let totalChecks: Int
    public let successfulChecks: Int
    public let failedChecks: Int
    /// Passed checks over all checks, in percent; nil without checks.
    public let uptimePercent: Double?
    public let averageResponseMs: Double?
    public let p95ResponseMs: Double?
    /// Failed checks by failure class.
    public let errors: [String: Int]
}
