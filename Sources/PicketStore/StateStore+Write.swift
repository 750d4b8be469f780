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
            knownBackends.withLockedValue { $0 = KnownBackends(numberedBy: 0) }  // ids handed out in the failed transaction do not exist
            throw error
        }
    }

    private func write(_ batch: StoreBatch, _ db: Database) throws {
        try writeChecks(batch, db)
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

    private func writeChecks(_ batch: StoreBatch, _ db: Database) throws {
        guard !batch.checks.isEmpty else { return }
        let rolledUp = Double(try Self.meta(.rollupsThrough, db) ?? 0) * 60
        let failed = try db.cachedStatement(sql: "INSERT INTO failed_checks VALUES (?, ?, ?, ?, ?, ?)")
        var known = knownBackends.withLockedValue { known in
            defer { known = KnownBackends(numberedBy: batch.numberedBy) }
            return known.numberedBy == batch.numberedBy ? known : KnownBackends(numberedBy: batch.numberedBy)
        }
        defer { knownBackends.withLockedValue { $0 = known } }
        var byApp: [PackedBatch] = []
        var late = RollupBuilder()
        for row in batch.checks {
            guard let (id, app) = try known.backend(of: row, in: batch, db) else { continue }
            let check = PackedCheck(
                at: row.at, backend: id, passed: row.passed, failureClass: row.passed ? nil : row.failureClass, latencyMs: row.latencyMs,
                status: row.status)
            while byApp.count <= app { byApp.append(PackedBatch()) }
            byApp[app].append(check)
            // The backend's text only for the rows that need it: a copy of its ID retains both strings.
            if !row.passed, let backend = batch.backend(of: row) {
                try failed.execute(arguments: [
                    row.at, backend.app.description, backend.address.description, row.failureClass?.rawValue, row.latencyMs, row.status,
                ])
            }
            if row.at < rolledUp { late.add(check, app: known.apps[app].description) }
        }
        let raw = try db.cachedStatement(sql: "INSERT INTO recent_checks (app, first_at, last_at, count, checks) VALUES (?, ?, ?, ?, ?)")
        for (app, packed) in zip(known.apps, byApp) where packed.count > 0 {
            try raw.execute(arguments: [app.description, packed.first, packed.last, packed.count, Data(packed.bytes)])
        }
        try late.write(db)
    }

    /// The id `backend_ids` gives a backend, assigned on first sight.
    static func backendID(app: String, address: String, _ db: Database) throws -> Int64 {
        try db.execute(sql: "INSERT OR IGNORE INTO backend_ids (app, address) VALUES (?, ?)", arguments: [app, address])
        return try Int64.fetchOne(db, sql: "SELECT id FROM backend_ids WHERE app = ? AND address = ?", arguments: [app, address])!
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

/// The backends the writer has seen, by number: each one's id, as `backend_ids` assigns it, and a
/// number for its app, so that a flush groups its checks by app without hashing the app's name. The
/// numbers are one buffer's; a batch numbered by another starts afresh.
struct KnownBackends {
    let numberedBy: Int
    private var backends: [(id: Int64, app: Int)?] = []
    private var appNumbers: [AppName: Int] = [:]
    private(set) var apps: [AppName] = []

    init(numberedBy: Int) {
        self.numberedBy = numberedBy
    }

    /// The id of the row's backend and its app's number; the id assigned on first sight. nil for a
    /// number the batch does not know (there is none).
    mutating func backend(of row: CheckRow, in batch: StoreBatch, _ db: Database) throws -> (id: Int64, app: Int)? {
        let number = Int(row.backend.value)
        if number < backends.count, let known = backends[number] { return known }
        guard let backend = batch.backend(of: row) else { return nil }
        let id = try StateStore.backendID(app: backend.app.description, address: backend.address.description, db)
        let appNumber = appNumbers[backend.app] ?? apps.count
        if appNumber == apps.count {
            appNumbers[backend.app] = appNumber
            apps.append(backend.app)
        }
        if number >= backends.count { backends += Array(repeating: nil, count: number + 1 - backends.count) }
        backends[number] = (id, appNumber)
        return (id, appNumber)
    }
}
