import PicketCore
import PicketProbes

/// Gathers probe reports on the probe engine's thread and hands them to the controller in batches,
/// at the next point of the controller's 20 ms grid (`ControllerLoop.grid`): thousands of checks a
/// second then cost fifty runs of the controller's loop (on the same thread), not one each, and a batch
/// arrives in the same run as the tick that sends the next probes. The delay it adds to a verdict is at
/// most 20 ms.
final class ReportBatcher: @unchecked Sendable {
    private let engine: ProbeEngine
    private let deliver: @Sendable ([(ProbeReport, ProbeTiming)]) -> Void
    private var pending: [(ProbeReport, ProbeTiming)] = []

    init(engine: ProbeEngine, deliver: @escaping @Sendable ([(ProbeReport, ProbeTiming)]) -> Void) {
        self.engine = engine
        self.deliver = deliver
    }

    /// Called on the engine's thread, as every probe completion is.
    func add(_ report: ProbeReport, _ timing: ProbeTiming) {
        pending.append((report, timing))
        guard pending.count == 1 else { return }
        engine.schedule(at: ControllerLoop.gridPoint(after: MonotonicClock.now())) { [self] in
            let batch = pending
            pending = []
            deliver(batch)
        }
    }
}
