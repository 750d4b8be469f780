import Metrics
import PicketCore
import PicketProbes

/// One batch's checks as `/metrics` counts them, gathered in the controller's one pass over the batch:
/// when each outlet walked the batch itself, each walk copied every report again, and each copy
/// retained the report's subject, which the probe engine's thread retains too (~1 % of a reused
/// connection's check, perf). Latencies and lags go to their histograms as they come; the counters go
/// up once per app and result, when the batch is done, as each handle is found under a lock.
struct ProbeTally {
    private let handles: ProbeMetricHandles
    private var counts: [(app: AppName, result: String, count: Int64)] = []
    private var durations: (app: AppName, timer: Metrics.Timer)?

    init(handles: ProbeMetricHandles) {
        self.handles = handles
    }

    mutating func add(_ report: ProbeReport, _ timing: ProbeTiming) {
        let app = report.backend.app
        let result = report.outcome.failureClass?.rawValue ?? (report.outcome.localFault == nil ? "passed" : "local_fault")
        if let known = counts.firstIndex(where: { $0.app == app && $0.result == result }) {
            counts[known].count += 1
        } else {
            counts.append((app, result, 1))
        }
        if let latency = report.outcome.evidence.latency {
            if durations?.app != app { durations = (app, handles.duration(app: app)) }
            durations?.timer.recordNanoseconds(latency.nanoseconds)
        }
        handles.lag.recordNanoseconds(max(timing.lag, .zero).nanoseconds)
    }

    /// Raises the counters by the batch's checks; its shed edge probes were never sent, so they count
    /// as shed, not as checks.
    func commit(shedEdges: Int) {
        for (app, result, count) in counts { handles.counter(app: app, result: result).increment(by: count) }
        if shedEdges > 0 { handles.edgesShed.increment(by: Int64(shedEdges)) }
    }
}
