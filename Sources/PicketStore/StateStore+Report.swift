import Foundation
import GRDB

extension StateStore {
    /// The health report of one app over `[since, until]` (epoch seconds).
    ///
    /// Exact while the raw window reaches back to `since` (every check of the window is there: counts,
    /// average and p95 as computed from the checks themselves). For longer windows the part before the
    /// newest rollup comes from per-minute rollups and the rest from the raw window: counts, failures
    /// and the average stay exact except that the window's start is rounded down to a whole minute, and
    /// p95 is read from merged latency sketches, within 1 % of the true value.
    public func report(app: String, since: Double, until: Double) async throws(StoreError) -> AppReport {
        do {
            return try await pool.read { db in
                let rawComplete = try Self.meta(.rawCompleteAfter, db) ?? 0
                let rolledUp = Int64(try Self.meta(.rollupsThrough, db) ?? 0)
                var window = MinuteRollup()
                var latencies: [Double]? = []
                var rawFrom = since
                if since <= rawComplete {
                    latencies = nil
                    let first = Int64((since / 60).rounded(.down))
                    let last = min(rolledUp, Int64((until / 60).rounded(.down)) + 1)
                    let rows = try Row.fetchCursor(db, sql: """
                        SELECT checks, passed, latency_count, latency_sum, failures, sketch FROM app_minutes
                        WHERE app = ? AND minute >= ? AND minute < ?
                        """, arguments: [app, first, last])
                    while let row = try rows.next() { window.merge(MinuteRollup(row: row)) }
                    rawFrom = max(since, Double(rolledUp) * 60)
                }
                let batches = try Row.fetchCursor(db, sql: "SELECT checks FROM recent_checks WHERE app = ? AND last_at >= ? AND first_at <= ?",
                    arguments: [app, rawFrom, until])
                while let batch = try batches.next() {
                    _ = PackedChecks.unpack(Array(batch[0] as Data)) { check in
                        guard check.at >= rawFrom, check.at <= until else { return }
                        window.add(check)
                        if let latency = check.latencyMs { latencies?.append(latency) }
                    }
                }
                return AppReport(app: app, since: since, until: until, window, exactLatencies: latencies)
            }
        } catch {
            throw StoreError(path: path, reason: "\(error)")
        }
    }
}

extension AppReport {
    /// The report of what `window` adds up to; p95 from `exactLatencies` when every latency is there,
    /// else from the window's sketch.
    init(app: String, since: Double, until: Double, _ window: MinuteRollup, exactLatencies: [Double]?) {
        let total = window.checks
        let rank = Int((Double(window.latencyCount) * 0.95).rounded(.up))
        let p95 = exactLatencies.map { $0.sorted() }.map { $0.isEmpty ? nil : $0[min($0.count - 1, rank - 1)] } ?? window.sketch.value(atRank: rank)
        self.init(
            app: app, windowSeconds: until - since, totalChecks: total, successfulChecks: window.passed, failedChecks: total - window.passed,
            uptimePercent: total == 0 ? nil : (Double(window.passed) * 10_000 / Double(total)).rounded() / 100,
            averageResponseMs: window.latencyCount == 0 ? nil : (window.latencySum / Double(window.latencyCount) * 1000).rounded() / 1000,
            p95ResponseMs: p95.map { ($0 * 1000).rounded() / 1000 },
            errors: window.failures)
    }
}
