import GRDB
import Foundation
import GRDB
import PicketStore
import Testing

/// The state database on a real SQLite file.
@Suite struct StateStoreTests {
    func temporaryPath() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("picket-store-\(UUID().uuidString.prefix(8))/state.db").path
    }

    @Test func theReportCountsAScriptedSequenceOfChecks() async throws {
        let path = temporaryPath()
        let store = try StateStore(path: path)
        let writer = StoreWriter(store: store, retention: .seconds(86_400)) { _ in }
        let now = Date().timeIntervalSince1970
        // 10 checks in the window: 7 pass at 1..7 ms, 2 time out (500 ms), 1 refused (no latency), plus
        // one old check outside the window and one of another app.
        for latency in 1...7 {
            writer.add(check: writer.check(at: now - 60, app: "web", address: "127.0.0.1:1", passed: true, failureClass: nil, latencyMs: Double(latency), status: 200))
        }
        for _ in 0..<2 {
            writer.add(check: writer.check(at: now - 30, app: "web", address: "127.0.0.1:2", passed: false, failureClass: .timeout, latencyMs: 500, status: nil))
        }
        writer.add(check: writer.check(at: now - 10, app: "web", address: "127.0.0.1:2", passed: false, failureClass: .refused, latencyMs: nil, status: nil))
        writer.add(check: writer.check(at: now - 7200, app: "web", address: "127.0.0.1:1", passed: false, failureClass: .badStatus, latencyMs: 3, status: 500))
        writer.add(check: writer.check(at: now - 5, app: "api", address: "127.0.0.1:9", passed: true, failureClass: nil, latencyMs: 9, status: 200))
        writer.stop()

        let report = try await store.report(app: "web", since: now - 3600, until: now)
        #expect(report.totalChecks == 10 && report.successfulChecks == 7 && report.failedChecks == 3)
        #expect(report.uptimePercent == 70)
        #expect(report.averageResponseMs == 114.222, "(1+…+7 + 2×500) / 9 checks with a latency")
        #expect(report.p95ResponseMs == 500, "the 9th of 9 sorted latencies")
        #expect(report.errors == ["timeout": 2, "refused": 1])
        let health = writer.currentHealth
        #expect(health.ok && health.failure == nil && health.dropped == 0 && health.written == 12)
    }

    @Test func twoWritersOfOneStoreKeepTheirBackendsApartThoughTheirNumbersMatch() async throws {
        let store = try StateStore(path: temporaryPath())
        let (first, second) = (StoreWriter(store: store, retention: .seconds(86_400)) { _ in }, StoreWriter(store: store, retention: .seconds(86_400)) { _ in })
        let now = Date().timeIntervalSince1970
        first.add(check: first.check(at: now - 3, app: "web", address: "127.0.0.1:1", passed: true, failureClass: nil, latencyMs: 1, status: 200))
        first.flushNow()
        second.add(check: second.check(at: now - 2, app: "api", address: "127.0.0.1:1", passed: true, failureClass: nil, latencyMs: 1, status: 200))
        second.add(check: second.check(at: now - 1, app: "api", address: "127.0.0.1:1", passed: true, failureClass: nil, latencyMs: 1, status: 200))
        second.flushNow()
        first.add(check: first.check(at: now - 1, app: "web", address: "127.0.0.1:1", passed: true, failureClass: nil, latencyMs: 1, status: 200))
        first.stop()
        second.stop()
        let (web, api) = (try await store.report(app: "web", since: now - 60, until: now), try await store.report(app: "api", since: now - 60, until: now))
        #expect(web.totalChecks == 2 && api.totalChecks == 2)
    }

    @Test func aLongWindowReadsMinuteRollupsExactCountsAndAP95WithinOnePercent() async throws {
        let store = try StateStore(path: temporaryPath())
        let writer = StoreWriter(store: store, retention: .seconds(86_400), rawWindow: 50) { _ in }
        let now = Date().timeIntervalSince1970
        let start = ((now - 7200) / 60).rounded(.down) * 60
        var checks: [CheckRow] = []
        // Ten minutes two hours ago, one check a second over two backends, every 50th failing; then 20
        // checks in the last half minute.
        for second in 0..<600 {
            let failed = second % 50 == 0
            checks.append(writer.check(
                at: start + Double(second), app: "web", address: "127.0.0.1:\(8000 + second % 2)", passed: !failed,
                failureClass: failed ? (second % 100 == 0 ? .refused : .timeout) : nil,
                latencyMs: second % 100 == 0 ? nil : 0.2 + Double(second % 37) * 0.35, status: failed ? nil : 200))
        }
        checks.forEach(writer.add(check:))
        writer.flushNow()
        let recent = (0..<20).map { writer.check(at: now - 30 + Double($0), app: "web", address: "127.0.0.1:8000", passed: true, failureClass: nil,
            latencyMs: 40 + Double($0), status: 200) }
        recent.forEach(writer.add(check:))
        writer.stop()

        let day = try await store.report(app: "web", since: now - 86_400, until: now)
        let latencies = (checks + recent).compactMap(\.latencyMs).sorted()
        #expect(day.totalChecks == 620 && day.failedChecks == 12 && day.errors == ["refused": 6, "timeout": 6])
        #expect(day.averageResponseMs == (latencies.reduce(0, +) / Double(latencies.count) * 1000).rounded() / 1000)
        let p95 = latencies[Int((Double(latencies.count) * 0.95).rounded(.up)) - 1]
        #expect(abs((day.p95ResponseMs ?? 0) - p95) <= p95 * 0.01, "p95 \(day.p95ResponseMs ?? 0) vs exactly \(p95)")
        let lastMinute = try await store.report(app: "web", since: now - 60, until: now)
        #expect(lastMinute.totalChecks == 20 && lastMinute.p95ResponseMs == 58 && lastMinute.averageResponseMs == 49.5,
            "the raw window still holds the recent checks, so this report is exact")
    }

    @Test func aVersion1DatabaseIsUpgradedWithEveryCheckInTheRollups() async throws {
        let path = temporaryPath()
        let now = Date().timeIntervalSince1970
        try versionOneDatabase(at: path) { db in
            for second in 0..<300 {
                let failed = second % 30 == 0
                try db.execute(sql: "INSERT INTO checks VALUES (?, 'web', '127.0.0.1:1', ?, ?, ?, 200)",
                    arguments: [now - 900 + Double(second), !failed, failed ? "bad_status" : nil, Double(second % 10 + 1)])
            }
        }
        let store = try StateStore(path: path)
        let report = try await store.report(app: "web", since: now - 3600, until: now)
        #expect(report.totalChecks == 300 && report.failedChecks == 10 && report.errors == ["bad_status": 10])
        #expect(report.averageResponseMs == 5.5)
        #expect(abs((report.p95ResponseMs ?? 0) - 10) <= 0.1, "p95 within 1 % of 10 ms: \(report.p95ResponseMs ?? 0)")
    }

    @Test func rememberedBackendsRoundTripAndTheDatabaseIsInWALMode() throws {
        let path = temporaryPath()
        let store = try StateStore(path: path)
        let writer = StoreWriter(store: store, retention: .seconds(86_400)) { _ in }
        let saved = StoredBackend(
            app: "web", address: "127.0.0.1:8001", phase: "out", circuitOpen: true, consecutiveFailures: 4, flaps: 1,
            operatorDrained: true, restarts: [1_799_999_000, 1_799_999_100], quarantineReason: "budget spent", updatedAt: 1_799_999_200)
        writer.save(saved)
        writer.save(StoredBackend(app: "web", address: "127.0.0.1:8002", phase: "up", circuitOpen: false, consecutiveFailures: 0, flaps: 0,
            operatorDrained: false, restarts: [], quarantineReason: nil, updatedAt: 1))
        writer.forget(app: "web", address: "127.0.0.1:8002")
        writer.stop()
        #expect(try StateStore(path: path).backends() == [saved], "a second open (a restarted Picket) reads what the first wrote")
        let journal = try String(contentsOfFile: path + "-wal", encoding: .isoLatin1)
        #expect(!journal.isEmpty, "WAL mode: writes go to the -wal file first")
    }

    @Test func aDatabaseOfTheFirstHealthModelIsMigratedKeepingWhatWasOut() throws {
        let path = temporaryPath()
        try versionOneDatabase(at: path) { db in
            try db.execute(sql: """
                INSERT INTO backend_state VALUES ('web', '127.0.0.1:8001', 'out', 1800000000.5, 7, 2, 0, '', NULL, 1);
                INSERT INTO backend_state VALUES ('web', '127.0.0.1:8002', 'up', NULL, 0, 0, 1, '', NULL, 1);
                """)
        }
        let rows = try StateStore(path: path).backends()
        #expect(rows.map(\.circuitOpen) == [true, false], "a remembered cooldown means the circuit was open")
        #expect(rows.map(\.phase) == ["out", "up"])
        #expect(rows.map(\.consecutiveFailures) == [7, 0])
        #expect(rows.map(\.operatorDrained) == [false, true])
    }

    /// A database as Picket 0.1.0 left it (schema version v1), with `fill`'s rows.
    func versionOneDatabase(at path: String, fill: (Database) throws -> Void) throws {
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        let old = try DatabaseQueue(path: path)
        try old.write { db in
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
                CREATE TABLE grdb_migrations (identifier TEXT NOT NULL PRIMARY KEY);
                INSERT INTO grdb_migrations VALUES ('v1');
                """)
            try fill(db)
        }
        try old.close()
    }

    @Test func aCorruptDatabaseIsReportedWithItsPath() throws {
        let path = temporaryPath()
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try String(repeating: "this is not a database ", count: 400).write(toFile: path, atomically: true, encoding: .utf8)
        #expect {
            _ = try StateStore(path: path)
        } throws: { error in
            "\(error)".hasPrefix("state database \(path): ") && "\(error)".contains("not a database")
        }
    }
}
