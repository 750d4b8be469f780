import Foundation
import GRDB
import PicketCore

extension StateStore {
    /// Writes one batch in one transaction: every check into the raw window (packed per app), failed
    /// checks as rows of their own, events and backend state. A check older than the minutes already
    /// rolled up (a flush that came very late) is also added to its minute's rollups.
    func write(_ batch: StoreBatch) throws {
        do {
            try pool.write { db in try write(batch, db) }
        } catch {
            backendIDs.withLockedValue { $0 = [:] }  // ids handed out in the failed transaction do not exist
            throw error
        }
    }

    private func write(_ batch: StoreBatch, _ db: Database) throws {
        try writeChecks(batch.checks, db)
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

    private func writeChecks(_ checks: [CheckRow], _ db: Database) throws {
        guard !checks.isEmpty else { return }
        let rolledUp = Double(try Self.meta(.rollupsThrough, db) ?? 0) * 60
        let failed = try db.cachedStatement(sql: "INSERT INTO failed_checks VALUES (?, ?, ?, ?, ?, ?)")
        var byApp: [String: [PackedCheck]] = [:]
        var late = RollupBuilder()
        for row in checks {
            let check = PackedCheck(
                at: row.at, backend: try backendID(app: row.app, address: row.address, db), passed: row.passed,
                failureClass: row.passed ? nil : row.failureClass.map { FailureClass(rawValue: $0) ?? .other }, latencyMs: row.latencyMs,
                status: row.status)
            byApp[row.app, default: []].append(check)
            if !row.passed {
                try failed.execute(arguments: [row.at, row.app, row.address, row.failureClass, row.latencyMs, row.status])
            }
            if row.at < rolledUp { late.add(check, app: row.app) }
        }
        let raw = try db.cachedStatement(sql: "INSERT INTO recent_checks (app, first_at, last_at, count, checks) VALUES (?, ?, ?, ?, ?)")
        for (app, checks) in byApp {
            let times = checks.map(\.at)
            try raw.execute(arguments: [app, times.min()!, times.max()!, checks.count, Data(PackedChecks.pack(checks))])
        }
        try late.write(db)
    }

    /// The id of a backend in `backend_ids`, assigned on first sight and cached.
    func backendID(app: String, address: String, _ db: Database) throws -> Int64 {
        let key = BackendKey(app: app, address: address)
        if let id = backendIDs.withLockedValue({ $0[key] }) { return id }
        try db.execute(sql: "INSERT OR IGNORE INTO backend_ids (app, address) VALUES (?, ?)", arguments: [app, address])
        let id = try Int64.fetchOne(db, sql: "SELECT id FROM backend_ids WHERE app = ? AND address = ?", arguments: [app, address])!
        backendIDs.withLockedValue { $0[key] = id }
        return id
    }

    enum MetaKey: String {
        /// Every minute before this one (minutes since the epoch) is in the rollups.
        case rollupsThrough = "rollups_through"
        /// Raw checks later than this (epoch seconds) are all in the raw window; older ones were purged.
        case rawCompleteAfter = "raw_complete_after"
    }

    static func meta(_ key: MetaKey, _ db: Database) throws -> Double? {
        try Double.fetchOne(db, sql: "SELECT value FROM store_meta WHERE key = ?", arguments: [key.rawValue])
    }

    static func setMeta(_ key: MetaKey, _ value: Double, _ db: Database) throws {
        try db.execute(sql: "INSERT OR REPLACE INTO store_meta (key, value) VALUES (?, ?)", arguments: [key.rawValue, value])
    }
}
