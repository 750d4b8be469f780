import Foundation
import Logging
import NIOConcurrencyHelpers
import PicketConfig
import PicketCore
import PicketStore

/// The runtime's side of the state database (the SQLite file, or a fleet's PostgreSQL database): opens
/// it, hands what it remembers to the core at start, and turns probe results and observations into
/// batched writes. When the database cannot be opened Picket says so and runs from memory.
final class Persistence: Sendable {
    let store: any StateReading
    let writer: any StateWriting
    private let slotNumbers = NIOLockedValueBox(SlotNumbers())

    /// Opens the store; when it cannot, logs why and returns the reason instead.
    static func open(_ settings: StateSettings, logger: Logger, metrics: PicketMetrics) -> Result<Persistence, StoreError>? {
        guard settings.enabled else { return nil }
        do {
            let store = try StateStore(path: settings.path)
            metrics.persistence(up: true)
            return .success(Persistence(store: store, retention: settings.retention, logger: logger, metrics: metrics))
        } catch {
            metrics.persistence(up: false)
            logger.error("\(error); running from memory: nothing is remembered across restarts", metadata: ["event": "persistence_failed"])
            return .failure(error)
        }
    }

    /// A fleet's database, opened by `FleetShell`.
    init(store: any StateReading, writer: any StateWriting) {
        self.store = store
        self.writer = writer
    }

    private init(store: StateStore, retention: Duration, logger: Logger, metrics: PicketMetrics) {
        self.store = store
        writer = StoreWriter(store: store, retention: retention) { health in
            metrics.persistence(up: health.ok)
            if health.ok {
                logger.notice("state database writable again: \(store.path)", metadata: ["event": "persistence_recovered"])
            } else {
                logger.error("state database write failed (\(health.failure ?? "?")); running from memory, \(health.dropped) records dropped",
                    metadata: ["event": "persistence_failed"])
            }
        }
    }

    /// What the store remembers, in this run's instants.
    func remembered(now: Instant, logger: Logger) async -> [SavedBackend] {
        let rows: [StoredBackend]
        do {
            rows = try await store.remembered()
        } catch {
            logger.error("\(error); starting without remembered state", metadata: ["event": "persistence_failed"])
            return []
        }
        let clock = WallClock(now: now)
        return rows.compactMap { row in
            guard let app = try? AppName(validating: row.app), let address = try? ServerAddress(validating: row.address) else { return nil }
            return SavedBackend(
                id: BackendID(app: app, address: address), phase: row.phase == "out" ? .out : .up, circuitOpen: row.circuitOpen,
                consecutiveFailures: row.consecutiveFailures, flaps: row.flaps, operatorDrained: row.operatorDrained,
                restarts: row.restarts.map(clock.instant), quarantine: row.quarantineReason.map(QuarantineReason.remembered))
        }
    }

    /// An empty set of rows for a batch of `count` checks, filled in the loop's pass over the batch.
    /// It holds the backends' numbers until `record` gives them back.
    func rows(capacity count: Int) -> CheckRows {
        let numbers = slotNumbers.withLockedValue { numbers in
            defer { numbers = SlotNumbers() }
            return numbers
        }
        return CheckRows(capacity: count, numbers: numbers, writer: writer)
    }

    /// A batch's rows, handed to the writer at once (its buffer is locked once per batch).
    func record(_ rows: consuming CheckRows) {
        writer.add(checks: rows.rows)
        slotNumbers.withLockedValue { $0 = rows.numbers }
    }

    func save(_ backend: BackendSnapshot, now: Instant) {
        let saved = backend.saved()
        let clock = WallClock(now: now)
        writer.save(StoredBackend(
            app: saved.id.app.description, address: saved.id.address.description, phase: saved.phase.rawValue, circuitOpen: saved.circuitOpen,
            consecutiveFailures: saved.consecutiveFailures, flaps: saved.flaps, operatorDrained: saved.operatorDrained,
            restarts: saved.restarts.map(clock.wall), quarantineReason: saved.quarantine?.words, updatedAt: clock.wallNow,
            inRotation: backend.inRotation, container: backend.container?.id))
    }

    func forget(_ id: BackendID) {
        writer.forget(app: id.app.description, address: id.address.description)
    }

    func log(_ kind: String, _ id: BackendID, _ detail: String) {
        writer.add(event: EventRow(at: Date().timeIntervalSince1970, app: id.app.description, address: id.address.description, kind: kind, detail: detail))
    }
}

/// Converts between this run's monotonic `Instant`s and wall-clock epoch seconds, the only times that
/// mean anything to the next run.
struct WallClock {
    let now: Instant
    let wallNow = Date().timeIntervalSince1970

    func instant(_ wall: Double) -> Instant { now + .milliseconds(Int64((wall - wallNow) * 1000)) }
    func wall(_ instant: Instant) -> Double { wallNow + (instant - now).milliseconds / 1000 }
}
