import NIOConcurrencyHelpers
import PicketCore

/// What the controller loop hands a state writer between two flushes, SQLite's or a fleet's: appending
/// is all the loop ever does. Checks are bounded: beyond `maxChecks` the oldest tenth is dropped, and
/// counted, so that a database down for long does not grow Picket without bound.
///
/// A written batch's check storage comes back (`recycle`) and takes the checks after the next batch
/// (the next one is filling by then): a second's checks at 5,000 backends fill ~600 KiB, and a fresh
/// array of that size each second was mapped, faulted in page by page and copied as it grew, ~0.8 % of
/// a check's CPU (perf).
public final class StoreBuffer: Sendable {
    public static let maxChecks = 200_000
    private let batch = NIOLockedValueBox(StoreBatch())
    private let spareChecks = NIOLockedValueBox<[CheckRow]>([])
    private let droppedChecks = NIOLockedValueBox(0)
    private let numbering = NIOLockedValueBox(BackendNumbering())
    /// Tells this buffer's numbers from another's, in a store written by more than one writer.
    private let serial = StoreBuffer.serials.withLockedValue { serial in
        defer { serial += 1 }
        return serial
    }
    private static let serials = NIOLockedValueBox(1)

    public init() {}

    /// The number check rows give `backend`: the same for the life of the buffer.
    public func number(_ backend: BackendID) -> BackendNumber {
        numbering.withLockedValue { $0.number(backend) }
    }

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
        let spare = spareChecks.withLockedValue { spare in
            defer { spare = [] }
            return spare
        }
        var taken = batch.withLockedValue { batch in
            defer { batch = StoreBatch(checks: spare) }
            return batch
        }
        taken.numbered = numbering.withLockedValue { $0.backends }
        taken.numberedBy = serial
        return taken
    }

    /// Takes back the check storage of a batch that is written, for the checks to come. Storage much
    /// larger than its checks (a backlog after the database was away) is let go instead.
    public func recycle(_ written: inout StoreBatch) {
        var checks: [CheckRow] = []
        swap(&checks, &written.checks)
        guard checks.capacity <= 2 * checks.count + 1024 else { return }
        checks.removeAll(keepingCapacity: true)
        spareChecks.withLockedValue { $0 = checks }
    }

    /// Checks dropped for want of room since the last call.
    public func takeDropped() -> Int {
        droppedChecks.withLockedValue { count in
            defer { count = 0 }
            return count
        }
    }
}
