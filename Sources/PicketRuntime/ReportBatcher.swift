import PicketCore
import PicketProbes

/// Gathers probe reports on the probe engine's thread and hands them to the controller in batches,
/// at most one hand-over per `window`: thousands of checks a second then cost a few hundred wake-ups of
/// the controller, not one each. The delay it adds to a verdict is at most `window` (20 ms).
final class ReportBatcher: @unchecked Sendable {
    static let window = Duration.milliseconds(20)

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
        engine.schedule(after: Self.window) { [self] in
            let batch = pending
            pending = []
            deliver(batch)
        }
    }
}
