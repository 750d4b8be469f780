import Foundation
import GRDB
import NIOConcurrencyHelpers
import PicketCore

/// Picket's memory on disk: SQLite through GRDB, in WAL mode, with versioned migrations.
///
/// It keeps each backend's last known state (so a restart of Picket resumes instead of starting over),
/// the log of transitions and actions, and check history for `retention`: every failed check as a row,
/// every check raw for a recent window (packed, one row per app a second), and per-minute rollups per
/// backend and per app for reports over long windows (StateStore+Rollups). Writes come in batches from
/// `StoreWriter`, never from the controller loop itself.
public final class StateStore: Sendable {
    let pool: DatabasePool
    public let path: String
    /// The backends written so far, with their ids.
    let knownBackends = NIOLockedValueBox(KnownBackends(numberedBy: 0))

    public init(path: String) throws(StoreError) {
        self.path = path
        do {
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            var configuration = Configuration()
            configuration.busyMode = .timeout(5)
            // The writer only appends (the rightmost pages of a few indexes): SQLite's default 2 MiB
            // page cache filled up with pages it never read again, 2.2 MiB of Picket's resident memory
            // at 5,000 backends. Readers (reports) keep the default.
            configuration.prepareDatabase { db in
                if !db.configuration.readonly { try db.execute(sql: "PRAGMA cache_size = -512") }
            }
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
        migrator.registerMigration("v3-rollups") { db in
            try db.execute(sql: """
                CREATE TABLE backend_ids (id INTEGER PRIMARY KEY, app TEXT NOT NULL, address TEXT NOT NULL, UNIQUE (app, address));
                CREATE TABLE failed_checks (
                    at REAL NOT NULL, app TEXT NOT NULL, address TEXT NOT NULL, failure_class TEXT, latency_ms REAL, status INTEGER);
                CREATE INDEX failed_checks_app_at ON failed_checks(app, at);
                CREATE TABLE recent_checks (
                    app TEXT NOT NULL, first_at REAL NOT NULL, last_at REAL NOT NULL, count INTEGER NOT NULL, checks BLOB NOT NULL);
                CREATE INDEX recent_checks_app_last ON recent_checks(app, last_at);
                CREATE TABLE backend_minutes (
                    minute INTEGER NOT NULL, backend INTEGER NOT NULL, checks INTEGER NOT NULL, passed INTEGER NOT NULL,
                    latency_count INTEGER NOT NULL, latency_sum REAL NOT NULL, failures TEXT, sketch BLOB NOT NULL,
                    PRIMARY KEY (minute, backend)) WITHOUT ROWID;
                CREATE TABLE app_minutes (
                    app TEXT NOT NULL, minute INTEGER NOT NULL, checks INTEGER NOT NULL, passed INTEGER NOT NULL,
                    latency_count INTEGER NOT NULL, latency_sum REAL NOT NULL, failures TEXT, sketch BLOB NOT NULL,
                    PRIMARY KEY (app, minute)) WITHOUT ROWID;
                CREATE TABLE store_meta (key TEXT PRIMARY KEY, value REAL NOT NULL);
                """)
            try foldVersion1Checks(db)
            try db.execute(sql: "DROP TABLE checks")
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

    /// Drops failed checks, events and rollups older than `before` (epoch seconds).
    func purge(before: Double) throws {
        let minute = Int64((before / 60).rounded(.down))
        try pool.write { db in
            try db.execute(sql: "DELETE FROM failed_checks WHERE at < ?", arguments: [before])
            try db.execute(sql: "DELETE FROM events WHERE at < ?", arguments: [before])
            try db.execute(sql: "DELETE FROM backend_minutes WHERE minute < ?", arguments: [minute])
            try db.execute(sql: "DELETE FROM app_minutes WHERE minute < ?", arguments: [minute])
        }
    }
}

/// A backend as the store names it.
struct BackendKey: Hashable {
    let app: String
    let address: String
}

/// The store cannot be used: the path and what went wrong.
public struct StoreError: Error, Sendable, CustomStringConvertible {
    public let path: String
    public let reason: String
    public var description: String { "state database \(path): \(reason)" }

    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }
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

    public init(
        app: String, windowSeconds: Double, totalChecks: Int, successfulChecks: Int, failedChecks: Int, uptimePercent: Double?,
        averageResponseMs: Double?, p95ResponseMs: Double?, errors: [String: Int]
    ) {
        self.app = app
        self.windowSeconds = windowSeconds
        self.totalChecks = totalChecks
        self.successfulChecks = successfulChecks
        self.failedChecks = failedChecks
        self.uptimePercent = uptimePercent
        self.averageResponseMs = averageResponseMs
        self.p95ResponseMs = p95ResponseMs
        self.errors = errors
    }
}
