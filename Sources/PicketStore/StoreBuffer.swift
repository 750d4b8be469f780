import NIOConcurrencyHelpers

/// What the controller loop hands a state writer between two flushes, SQLite's or a fleet's: appending
/// is all the loop ever does. Checks are bounded: beyond `maxChecks` the oldest tenth is dropped, and
/// counted, so that a database down for long does not grow Picket without bound.
public final class StoreBuffer: Sendable {
    public static let maxChecks = 200_000
    private let batch = NIOLockedValueBox(StoreBatch())
    private let droppedChecks = NIOLockedValueBox(0)

    public init() {}

    public func add(checks: [CheckRow]) {
        let dropped = batch.withLockedValue { batch in
            var dropped = 0
            for check in checks {
                if batch.checks.count >= Self.maxChecks {
                    let tenth = batch.checks.count / 10
                    batch.checks.removeFirst(tenth)
                    dropped += tenth
                }
                batch.checks.append(check)
            }
            return dropped
        }
        if dropped > 0 { droppedChecks.withLockedValue { $0 += dropped } }
    }

    public func add(event: EventRow) {
        batch.withLockedValue { $0.events.append(event) }
    }

    public func save(_ backend: StoredBackend) {
        batch.withLockedValue { $0.backends["\(backend.app)\u{0}\(backend.address)"] = backend }
    }

    public func forget(app: String, address: String) {
        batch.withLockedValue {
            $0.backends["\(app)\u{0}\(address)"] = nil
            $0.forget.append((app, address))
        }
    }

    /// Everything buffered, leaving the buffer empty.
    public func take() -> StoreBatch {
        batch.withLockedValue { batch in
            defer { batch = StoreBatch() }
            return batch
        }
    }

    /// Checks dropped for want of room since the last call.
    public func takeDropped() -> Int {
        droppedChecks.withLockedValue { count in
            defer { count = 0 }
            return count
        }
    }
}
