import PicketCore
import PicketProbes

/// The probe reports of one turn of the controller's grid, with their timings beside them rather than
/// paired: the core takes the reports as they are, with no copy made to strip the timings off.
struct ProbeBatch: Sendable {
    private(set) var reports: [ProbeReport] = []
    private(set) var timings: [ProbeTiming] = []
    /// Edge probes shed unsent (`ProbeOutcome.shed`): tickets for the core, not checks for any outlet.
    private(set) var shedEdges = 0

    var isEmpty: Bool { reports.isEmpty }

    /// Room for `capacity` reports from the start: grown by appends, a batch of a hundred reallocated and
    /// copied its arrays seven times each.
    init(capacity: Int = 0) {
        reports.reserveCapacity(capacity)
        timings.reserveCapacity(capacity)
    }

    mutating func append(_ report: consuming ProbeReport, _ timing: ProbeTiming) {
        if case .shed = report.outcome { shedEdges += 1 }
        reports.append(report)
        timings.append(timing)
    }

    /// The checks that were made: every report but the shed edges.
    func forEachCheck(_ body: (ProbeReport, ProbeTiming) -> Void) {
        for index in reports.indices {
            if shedEdges > 0, case .shed = reports[index].outcome { continue }
            body(reports[index], timings[index])
        }
    }

    var checkCount: Int { reports.count - shedEdges }
}

/// Gathers probe reports on the probe engine's thread and hands them to the controller in batches,
/// at the next point of the controller's 20 ms grid (`ControllerLoop.grid`): thousands of checks a
/// second then cost fifty runs of the controller's loop (on the same thread), not one each, and a batch
/// arrives in the same run as the tick that sends the next probes. The delay it adds to a verdict is at
/// most 20 ms.
final class ReportBatcher: @unchecked Sendable {
    private let engine: ProbeEngine
    private let deliver: @Sendable (ProbeBatch) -> Void
    private var pending = ProbeBatch()

    /// How late after a grid point the thread may wake and still count as waking at it (epoll's timeout
    /// is in whole milliseconds).
    private static let wakeSlack: Int64 = 2_000_000

    init(engine: ProbeEngine, deliver: @escaping @Sendable (ProbeBatch) -> Void) {
        self.engine = engine
        self.deliver = deliver
    }

    /// Called on the engine's thread, as every probe completion is.
    func add(_ report: consuming ProbeReport, _ timing: ProbeTiming) {
        let first = pending.isEmpty
        pending.append(report, timing)
        guard first else { return }
        // Replies are read on the same grid (`ProbeEngine`'s reply tick), as soon as the thread wakes
        // after each point: read then, they go with that point's batch, in the same wake-up, rather
        // than with the next one.
        let now = MonotonicClock.now()
        engine.schedule(at: ControllerLoop.gridPoint(after: Instant(nanoseconds: now.nanoseconds - Self.wakeSlack))) { [self] in
            let batch = pending
            pending = ProbeBatch(capacity: batch.reports.count)
            deliver(batch)
        }
    }
}
