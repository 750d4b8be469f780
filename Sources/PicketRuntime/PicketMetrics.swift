import Metrics
import PicketCore
import PicketNginx
import Prometheus

/// Picket's Prometheus metrics, recorded through swift-metrics into a registry of its own (no global
/// bootstrap, so several controllers can live in one test process) and served at `/metrics`.
///
/// Names follow Prometheus conventions: `picket_` prefix, `_total` for counters, base units (seconds).
/// The probe latency histogram has sub-millisecond buckets: a healthy loopback check takes ~1 ms.
final class PicketMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    private let factory: PrometheusMetricsFactory

    init() {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.durationHistogramBuckets["picket_probe_duration_seconds"] = [
            .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1), .microseconds(2500), .milliseconds(5),
            .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500),
            .seconds(1), .milliseconds(2500),
        ]
        factory.durationHistogramBuckets["picket_apply_duration_seconds"] = [
            .milliseconds(1), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
            .milliseconds(250), .milliseconds(500), .seconds(1), .milliseconds(2500), .seconds(5), .seconds(10),
        ]
        factory.durationHistogramBuckets["picket_probe_lag_seconds"] = [
            .milliseconds(1), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
            .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(5),
        ]
        self.factory = factory
    }

    /// The exposition text for `/metrics`.
    func exposition() -> String { registry.emitToString() }

    func probe(_ report: ProbeReport, lag: Duration) {
        let app = report.backend.app.description
        let result = report.outcome.failureClass?.rawValue ?? "passed"
        Counter(label: "picket_probes_total", dimensions: [("app", app), ("result", result)], factory: factory).increment()
        if let latency = report.outcome.evidence.latency {
            Metrics.Timer(label: "picket_probe_duration_seconds", dimensions: [("app", app)], factory: factory).record(duration: latency)
        }
        Metrics.Timer(label: "picket_probe_lag_seconds", dimensions: [], factory: factory).record(duration: max(lag, .zero))
    }

    func observe(_ observation: Observation) {
        switch observation {
        case .transition(let transition):
            let id = transition.backend
            Counter(label: "picket_transitions_total", dimensions: [("app", "\(id.app)"), ("from", transition.from.name), ("to", transition.to.name)],
                factory: factory).increment()
            backend(id, inRotation: transition.inRotationAfter, phase: transition.to)
        case .backendsChanged(let added, _, _, _):
            for id in added { backend(id, inRotation: false, phase: .pending) }
        case .recovery(let event):
            if case .actionFinished(let action, let result, _) = event.kind {
                let outcome: String
                switch result {
                case .succeeded: outcome = "succeeded"
                case .failed: outcome = "failed"
                case .engineUnavailable: outcome = "engine_unavailable"
                }
                Counter(label: "picket_docker_actions_total", dimensions: [("action", action.rawValue), ("result", outcome)], factory: factory).increment()
            }
            if event.kind == .quarantined {
                Counter(label: "picket_quarantines_total", dimensions: [("app", "\(event.backend.app)")], factory: factory).increment()
            }
        case .allDown(let app, _):
            Meter(label: "picket_app_all_down", dimensions: [("app", "\(app)")], factory: factory).set(1)
        case .allDownCleared(let app):
            Meter(label: "picket_app_all_down", dimensions: [("app", "\(app)")], factory: factory).set(0)
        case .firstRoundCompleted, .applyRetryScheduled, .operatorDrain:
            break
        }
    }

    func apply(_ report: NginxApplier.Report) {
        let result: String
        switch report.outcome {
        case .applied: result = "applied"
        case .unchanged: result = "unchanged"
        case .failed(let error): result = "failed_\(error.stage)"
        }
        Counter(label: "picket_applies_total", dimensions: [("result", result)], factory: factory).increment()
        Metrics.Timer(label: "picket_apply_duration_seconds", dimensions: [("result", result)], factory: factory).record(duration: report.total)
        if case .applied = report.outcome {
            Counter(label: "picket_reloads_total", dimensions: [("result", "ok")], factory: factory).increment()
        } else if case .failed(let error) = report.outcome, error.stage == "reload" {
            Counter(label: "picket_reloads_total", dimensions: [("result", "failed")], factory: factory).increment()
        }
    }

    func webhook(url: String, result: String) {
        Counter(label: "picket_webhook_deliveries_total", dimensions: [("url", url), ("result", result)], factory: factory).increment()
    }

    func persistence(up: Bool) {
        Meter(label: "picket_persistence_up", dimensions: [], factory: factory).set(up ? 1 : 0)
    }

    func configRejected() {
        Counter(label: "picket_config_validation_failures_total", dimensions: [], factory: factory).increment()
    }

    private func backend(_ id: BackendID, inRotation: Bool, phase: BackendPhase) {
        let labels = [("app", "\(id.app)"), ("backend", "\(id.address)")]
        Meter(label: "picket_backend_in_rotation", dimensions: labels, factory: factory).set(inRotation ? 1 : 0)
        let circuit: Double = phase.circuitName == "open" ? 2 : (phase.circuitName == "half_open" ? 1 : 0)
        Meter(label: "picket_backend_circuit_state", dimensions: labels, factory: factory).set(circuit)
    }
}
