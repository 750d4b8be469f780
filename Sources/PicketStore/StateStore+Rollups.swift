import Foundation
import GRDB
import PicketCore

extension StateStore {
    /// Folds the raw checks of every minute before `end` (minutes since the epoch) that is not rolled
    /// up yet into per-backend and per-app rollups, in one transaction with the mark that says how far
    /// rollups go. Then drops raw batches beyond the newest `keepingRaw` checks, but only ones whose
    /// minutes are rolled up: the raw window is what a crash leaves to roll up on the next start.
    func rollUp(before end: Int64, keepingRaw keep: Int) throws {
        try pool.write { db in
            let start = Int64(try Self.meta(.rollupsThrough, db) ?? 0)
            guard end > start else { return }
            var builder = RollupBuilder()
            let batches = try Row.fetchCursor(db, sql: "SELECT app, checks FROM recent_checks WHERE last_at >= ? AND first_at < ?",
                arguments: [Double(start) * 60, Double(end) * 60])
            while let batch = try batches.next() {
                let app: String = batch[0]
                let bytes: Data = batch[1]
                _ = PackedChecks.unpack(Array(bytes)) { check in
                    let minute = Int64((check.at / 60).rounded(.down))
                    if minute >= start, minute < end { builder.add(check, app: app) }
                }
            }
            try builder.write(db)
            try Self.setMeta(.rollupsThrough, Double(end), db)
            try purgeRaw(keeping: keep, before: Double(end) * 60, db)
        }
    }

    /// Deletes the oldest raw batches beyond the newest `keep` checks that end before `before`.
    private func purgeRaw(keeping keep: Int, before: Double, _ db: Database) throws {
        var kept = 0
        var boundary: Int64?
        let batches = try Row.fetchCursor(db, sql: "SELECT rowid, count FROM recent_checks ORDER BY rowid DESC")
        while let batch = try batches.next() {
            kept += batch[1] as Int
            if kept > keep {
                boundary = batch[0]
                break
            }
        }
        guard let boundary else { return }
        let arguments: StatementArguments = [boundary, before]
        if let newest = try Double.fetchOne(db, sql: "SELECT MAX(last_at) FROM recent_checks WHERE rowid <= ? AND last_at < ?", arguments: arguments) {
            try Self.setMeta(.rawCompleteAfter, max(newest, try Self.meta(.rawCompleteAfter, db) ?? 0), db)
            try db.execute(sql: "DELETE FROM recent_checks WHERE rowid <= ? AND last_at < ?", arguments: arguments)
        }
    }

    /// Version 1 kept every check as a row: fold them into rollups (failed ones stay as rows) and let
    /// the raw window start empty. Reads in index order, a minute's worth of rollups at a time.
    static func foldVersion1Checks(_ db: Database) throws {
        var ids: [BackendKey: Int64] = [:]
        var builder = RollupBuilder()
        var newest = 0.0
        let failed = try db.cachedStatement(sql: "INSERT INTO failed_checks VALUES (?, ?, ?, ?, ?, ?)")
        let rows = try Row.fetchCursor(db, sql: "SELECT at, app, address, passed, failure_class, latency_ms, status FROM checks ORDER BY app, at")
        while let row = try rows.next() {
            let (at, app, address, passed): (Double, String, String, Bool) = (row[0], row[1], row[2], row[3])
            let key = BackendKey(app: app, address: address)
            if ids[key] == nil { ids[key] = try backendID(app: app, address: address, db) }
            let failureClass: String? = row[4]
            builder.add(PackedCheck(
                at: at, backend: ids[key]!, passed: passed, failureClass: passed ? nil : failureClass.map { FailureClass(rawValue: $0) ?? .other },
                latencyMs: row[5], status: row[6]), app: app)
            if !passed { try failed.execute(arguments: [at, app, address, failureClass, row[5] as Double?, row[6] as Int?]) }
            newest = max(newest, at)
            if builder.count > 100_000 {
                try builder.write(db)
                builder = RollupBuilder()
            }
        }
        try builder.write(db)
        try setMeta(.rollupsThrough, (newest / 60).rounded(.down) + 1, db)
        try setMeta(.rawCompleteAfter, newest, db)
    }
}

/// Rollups being built: per backend and minute, and per app and minute. Written by merging into rows
/// already there (a minute can be written in parts: a late flush, or an upgrade in chunks). A check is
/// added to its backend's minute only; an app's minute is the sum of its backends' (bucketing a
/// latency in the sketch takes a logarithm, and hashing the app's name for every check cost as much).
struct RollupBuilder {
    private struct BackendMinute: Hashable {
        let minute: Int64
        let backend: Int64
    }

    private struct AppMinute: Hashable {
        let app: String
        let minute: Int64
    }

    private var backends: [BackendMinute: (app: String, rollup: MinuteRollup)] = [:]

    /// How many backend rollups are waiting to be written.
    var count: Int { backends.count }

    mutating func add(_ check: PackedCheck, app: String) {
        let minute = Int64((check.at / 60).rounded(.down))
        backends[BackendMinute(minute: minute, backend: check.backend), default: (app, MinuteRollup())].rollup.add(check)
    }

    func write(_ db: Database) throws {
        var apps: [AppMinute: MinuteRollup] = [:]
        for (key, backend) in backends {
            try Self.merge(backend.rollup, into: "backend_minutes", where: "minute = ? AND backend = ?", [key.minute, key.backend], db)
            apps[AppMinute(app: backend.app, minute: key.minute), default: MinuteRollup()].merge(backend.rollup)
        }
        for (key, rollup) in apps {
            try Self.merge(rollup, into: "app_minutes", where: "app = ? AND minute = ?", [key.app, key.minute], db)
        }
    }

    private static func merge(_ rollup: MinuteRollup, into table: String, where condition: String, _ key: StatementArguments, _ db: Database) throws {
        var merged = rollup
        let columns = "checks, passed, latency_count, latency_sum, failures, sketch"
        if let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT \(columns) FROM \(table) WHERE \(condition)"), arguments: key) {
            merged.merge(MinuteRollup(row: row))
        }
        let keyColumns = table == "app_minutes" ? "app, minute" : "minute, backend"
        try db.cachedStatement(sql: "INSERT OR REPLACE INTO \(table) (\(keyColumns), \(columns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?)").execute(
            arguments: key + [merged.checks, merged.passed, merged.latencyCount, merged.latencySum, merged.failuresText, Data(merged.sketch.encoded())])
    }
}

extension MinuteRollup {
    /// A rollup read back from `backend_minutes` or `app_minutes`: a row of the columns checks,
    /// passed, latency_count, latency_sum, failures and sketch, in that order.
    init(row: Row) {
        self.init()
        checks = row[0]
        passed = row[1]
        latencyCount = row[2]
        latencySum = row[3]
        failures = Self.failures(from: row[4])
        sketch = LatencySketch(encoded: Array(row[5] as Data)) ?? LatencySketch()
    }
}
