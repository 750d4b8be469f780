import Metrics
import NIOConcurrencyHelpers
import PicketCore

/// The metric handles every probe report updates, made once per app and result. Making them anew for
/// each of thousands of reports a second meant a registry lookup (lock, label hashing, name
/// validation) three times per check.
final class ProbeMetricHandles: Sendable {
    private struct Key: Hashable {
        let app: AppName
        let result: String
    }

    private let factory: MetricsFactory
    private let counters = NIOLockedValueBox<[Key: Counter]>([:])
    private let durations = NIOLockedValueBox<[AppName: Metrics.Timer]>([:])
    let lag: Metrics.Timer
    let edgesShed: Counter

    init(factory: MetricsFactory) {
        self.factory = factory
        lag = Metrics.Timer(label: "picket_probe_lag_seconds", dimensions: [], factory: factory)
        edgesShed = Counter(label: "picket_probe_edges_shed_total", dimensions: [], factory: factory)
    }

    /// `picket_probes_total{app, result}`: result is `passed`, the failure class or `local_fault`.
    func counter(app: AppName, result: String) -> Counter {
        counters.withLockedValue { counters in
            let key = Key(app: app, result: result)
            if let counter = counters[key] { return counter }
            let counter = Counter(label: "picket_probes_total", dimensions: [("app", "\(app)"), ("result", result)], factory: factory)
            counters[key] = counter
            return counter
        }
    }

    /// `picket_probe_duration_seconds{app}`.
    func duration(app: AppName) -> Metrics.Timer {
        durations.withLockedValue { durations in
            if let timer = durations[app] { return timer }
            let timer = Metrics.Timer(label: "picket_probe_duration_seconds", dimensions: [("app", "\(app)")], factory: factory)
            durations[app] = timer
            return timer
        }
    }
}
