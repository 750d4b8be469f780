import Dispatch
import Foundation
import NIOConcurrencyHelpers
import PicketCore

/// Batches writes to the state database on a queue of its own, so the controller loop only ever
/// appends to a buffer. A flush every `interval` writes the buffer in one transaction; once a minute
/// has passed (and `rollupDelay` more, for checks stamped just before its end) its checks are rolled
/// up; failed checks, events and rollups are purged past `retention`, raw checks beyond the newest
/// `rawWindow`.
///
/// When the database fails (unreadable, corrupt, disk full) the writer keeps trying at each flush,
/// drops what it cannot write (counted), and reports its health: Picket goes on from memory.
public final class StoreWriter: Sendable {
    public struct Health: Sendable, Equatable {
        public var ok: Bool
        public var failure: String?
        public var dropped: Int
        public var written: Int

        public init(ok: Bool, failure: String?, dropped: Int, written: Int) {
            self.ok = ok
            self.failure = failure
            self.dropped = dropped
            self.written = written
        }
    }

    private let store: StateStore
    private let queue = DispatchQueue(label: "picket.store")
    private let buffer = StoreBuffer()
    private let health = NIOLockedValueBox(Health(ok: true, failure: nil, dropped: 0, written: 0))
    private let retention: Duration
    private let interval: Duration
    private let stopped = NIOLockedValueBox(false)
    /// Minutes before this one are rolled up (as far as this writer knows: it starts at zero, and the
    /// store skips what is done).
    private let rolledUp = NIOLockedValueBox<Int64>(0)
    /// Called on the store's queue when health changes (for the log).
    private let onHealthChange: @Sendable (Health) -> Void
    /// Old rows are purged every this many flushes.
    static let purgeEvery = 600
    /// By default the newest this many checks are kept raw (at least: the minutes not rolled up yet stay
    /// too). At 5,000 checks a second that is 20 s, at 10 a second nearly three hours; about 2 MB on disk.
    public static let defaultRawWindow = 100_000
    private let rawWindow: Int
    /// Wall-clock time in epoch seconds: which minutes are over, what is past retention. A benchmark
    /// writing a synthetic day passes its own.
    private let clock: @Sendable () -> Double
    /// A minute is rolled up this long after its end.
    static let rollupDelay = 5.0

    public init(
        store: StateStore, interval: Duration = .seconds(1), retention: Duration, rawWindow: Int = StoreWriter.defaultRawWindow,
        clock: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 }, onHealthChange: @escaping @Sendable (Health) -> Void
    ) {
        self.rawWindow = rawWindow
        self.clock = clock
        self.store = store
        self.interval = interval
        self.retention = retention
        self.onHealthChange = onHealthChange
        queue.async { self.purge() }
        schedule(flushes: 0)
    }

    /// Stops the periodic flushes after writing what is buffered.
    public func stop() {
        stopped.withLockedValue { $0 = true }
        flushNow()
    }

    private func schedule(flushes: Int) {
        let (seconds, attoseconds) = interval.components
        let delay = DispatchTimeInterval.nanoseconds(Int(seconds * 1_000_000_000 + attoseconds / 1_000_000_000))
        queue.asyncAfter(deadline: .now() + delay) { [weak self] in
            guard let self, !self.stopped.withLockedValue({ $0 }) else { return }
            self.flush()
            self.rollUp()
            if (flushes + 1) % Self.purgeEvery == 0 { self.purge() }
            self.schedule(flushes: flushes + 1)
        }
    }

    public var currentHealth: Health { health.withLockedValue { $0 } }

    public func number(_ backend: BackendID) -> BackendNumber { buffer.number(backend) }

    public func add(checks: [CheckRow]) { buffer.add(checks: checks) }

    public func add(event: EventRow) { buffer.add(event: event) }

    public func save(_ backend: StoredBackend) { buffer.save(backend) }

    public func forget(app: String, address: String) { buffer.forget(app: app, address: address) }

    /// Writes what is buffered now and rolls up the minutes that are over, waiting for it (shutdown,
    /// tests).
    public func flushNow() {
        queue.sync {
            flush()
            rollUp()
        }
    }

    private func flush() {
        var batch = buffer.take()
        defer { buffer.recycle(&batch) }
        let dropped = buffer.takeDropped()
        if dropped > 0 { update { $0.dropped += dropped } }
        guard !batch.isEmpty else { return }
        do {
            try store.write(batch)
            update { $0.written += batch.count; $0.ok = true; $0.failure = nil }
        } catch {
            update { $0.dropped += batch.count; $0.ok = false; $0.failure = "\(error)" }
        }
    }

    private func rollUp() {
        let end = Int64(((clock() - Self.rollupDelay) / 60).rounded(.down))
        guard end > rolledUp.withLockedValue({ $0 }) else { return }
        do {
            try store.rollUp(before: end, keepingRaw: rawWindow)
            rolledUp.withLockedValue { $0 = end }
        } catch {
            update { $0.ok = false; $0.failure = "\(error)" }
        }
    }

    private func purge() {
        let cutoff = clock() - Double(retention.components.seconds)
        do {
            try store.purge(before: cutoff)
        } catch {
            update { $0.ok = false; $0.failure = "\(error)" }
        }
    }

    private func update(_ change: (inout Health) -> Void) {
        let (before, after) = health.withLockedValue { health -> (Health, Health) in
            let before = health
            change(&health)
            return (before, health)
        }
        if before.ok != after.ok { onHealthChange(after) }
    }
}
