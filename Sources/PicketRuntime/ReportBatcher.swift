import NIOCore
import PicketCore
import PicketProbes

/// Gathers probe reports on the probe engine's event loop and hands them to the controller in batches,
/// at most one hand-over per `window`: thousands of checks a second then cost a few hundred wake-ups of
/// the controller, not one each. The delay it adds to a verdict is at most `window` (20 ms).
final class ReportBatcher: @unchecked Sendable {
    static let window = TimeAmount.milliseconds(20)

    private let loop: EventLoop
    private let deliver: @Sendable ([(ProbeReport, ProbeTiming)]) -> Void
    private var pending: [(ProbeReport, ProbeTiming)] = []

    init(loop: EventLoop, deliver: @escaping @Sendable ([(ProbeReport, ProbeTiming)]) -> Void) {
        self.loop = loop
        self.deliver = deliver
    }

    /// Called on `loop` by the probe engine.
    func add(_ report: ProbeReport, _ timing: ProbeTiming) {
        loop.preconditionInEventLoop()
        pending.append((report, timing))
        guard pending.count == 1 else { return }
        loop.scheduleTask(in: Self.window) { [self] in
            let batch = pending
            pending = []
            deliver(batch)
        }
    }
}
