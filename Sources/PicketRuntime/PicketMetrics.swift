import Metrics
import NIOConcurrencyHelpers
import PicketPassive
import PicketCore
import PicketNginx
import PicketProbes
import Prometheus

/// Picket's Prometheus metrics, recorded through swift-metrics into a registry of its own (no global
/// bootstrap, so several controllers can live in one test process) and served at `/metrics`.
///
/// Names follow Prometheus conventions: `picket_` prefix, `_total` for counters, base units (seconds).
/// The probe latency histogram has sub-millisecond buckets: a healthy loopback check takes ~1 ms.
final class PicketMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    let factory: PrometheusMetricsFactory
    private let seenDatagrams = NIOLockedValueBox<[PassiveIngest.Result: Int]>([:])
    private let probes: ProbeMetricHandles
    private let backends = BackendGauges()
    /// The SHA-256 of each output file last applied, by path, for `picket_upstream_file_info`.
    let upstreamFileHashes = NIOLockedValueBox<[String: String]>([:])
    /// Where the per-backend traffic gauges come from, once passive detection listens.
    private let traffic = NIOLockedValueBox<PassiveIngest?>(nil)

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
        probes = ProbeMetricHandles(factory: factory)
    }

    /// The exposition text for `/metrics`: the registry's families and the backends' gauges with their
    /// help, the info metrics and the process metrics.
    func exposition() -> String {
        let gauges = backends.exposition(traffic: traffic.withLockedValue { $0 }?.traffic() ?? [:])
        return String(decoding: MetricHelp.annotate(registry.emitToBuffer() + Array(gauges.utf8)), as: UTF8.self) + infoExposition
            + (ProcessMetrics.current()?.exposition ?? "")
    }

    /// Adds each backend's live traffic from `ingest` to `/metrics`.
    func watchTraffic(_ ingest: PassiveIngest) {
        traffic.withLockedValue { $0 = ingest }
    }

    /// A tally for one batch of checks (`ProbeTally.commit` records it).
    func tally() -> ProbeTally { ProbeTally(handles: probes) }

    func observe(_ observation: Observation) {
        switch observation {
        case .transition(let transition):
            let id = transition.backend
            if transition.from.phase != transition.to.phase {
                Counter(label: "picket_transitions_total",
                    dimensions: [("app", "\(id.app)"), ("from", transition.from.phase.rawValue), ("to", transition.to.phase.rawValue)],
                    factory: factory).increment()
            }
            circuit(id, transition.to.circuit)
        case .rotation(let change) where change.reason.isRemoval:
            forget(change.backend)
        case .rotation(let change):
            rotation(change.backend, inRotation: change.inRotation)
        case .backendsChanged(let change):
            for id in change.added + change.restored {
                rotation(id, inRotation: false)
                circuit(id, .closed)
            }
            for id in change.removed { forget(id) }
        case .recovery(let event):
            if case .actionFinished(let action, let result, _) = event.kind {
                Counter(label: "picket_docker_actions_total", dimensions: [("action", action.rawValue), ("result", result.code)], factory: factory).increment()
            }
            if case .quarantined = event.kind {
                Counter(label: "picket_quarantines_total", dimensions: [("app", "\(event.backend.app)")], factory: factory).increment()
            }
        case .allDown(let app, _):
            Meter(label: "picket_app_all_down", dimensions: [("app", "\(app)")], factory: factory).set(1)
        case .allDownCleared(let app):
            Meter(label: "picket_app_all_down", dimensions: [("app", "\(app)")], factory: factory).set(0)
        case .upstreamRejected(let app, _):
            Counter(label: "picket_upstream_rejections_total", dimensions: [("app", "\(app)")], factory: factory).increment()
        case .passiveEjection(let id, let ejection):
            Counter(label: "picket_passive_ejections_total", dimensions: [("app", "\(id.app)"), ("rule", ejection.rule.rawValue)], factory: factory)
                .increment()
        case .firstRoundCompleted, .applyRetryScheduled, .operatorDrain, .slowStartStep, .firstListingOverdue, .passiveEjectionHeld:
            break
        }
    }

    func apply(_ report: NginxApplier.Report) {
        let result: String
        switch report.outcome {
        case .applied: result = "applied"
        case .unchanged: result = "unchanged"
        case .failed(let error): result = "failed_\(error.stage.rawValue)"
        }
        Counter(label: "picket_applies_total", dimensions: [("result", result)], factory: factory).increment()
        Metrics.Timer(label: "picket_apply_duration_seconds", dimensions: [("result", result)], factory: factory).record(duration: report.total)
        if case .applied = report.outcome {
            Counter(label: "picket_reloads_total", dimensions: [("result", "ok")], factory: factory).increment()
        } else if case .failed(let error) = report.outcome, error.stage == .reload {
            Counter(label: "picket_reloads_total", dimensions: [("result", "failed")], factory: factory).increment()
        }
    }

    /// A push of the Lua balancer's set to nginx's sync endpoint (nginx.mode: lua).
    func luaPush(ok: Bool) {
        Counter(label: "picket_lua_pushes_total", dimensions: [("result", ok ? "ok" : "failed")], factory: factory).increment()
    }

    /// Datagram counts from the passive ingest (absolute), turned into counter increments.
    func passive(_ results: [PassiveIngest.Result: Int]) {
        seenDatagrams.withLockedValue { seen in
            for (result, count) in results where count > seen[result, default: 0] {
                Counter(label: "picket_passive_datagrams_total", dimensions: [("result", result.rawValue)], factory: factory)
                    .increment(by: count - seen[result, default: 0])
                seen[result] = count
            }
        }
    }

    /// Requests and failed requests through nginx per backend, from passive detection's tallies.
    func passiveTraffic(_ tallies: [BackendID: PassiveTally]) {
        for (id, tally) in tallies {
            Counter(label: "picket_backend_requests_total", dimensions: labels(id), factory: factory).increment(by: tally.requests)
            if tally.failures > 0 {
                Counter(label: "picket_backend_failed_requests_total", dimensions: labels(id), factory: factory).increment(by: tally.failures)
            }
        }
    }

    /// A probe Picket could not make (no descriptor, port or buffer on its own side).
    func localProbeFault(_ fault: LocalFault) {
        Counter(label: "picket_probe_local_failures_total", dimensions: [("fault", fault.rawValue)], factory: factory).increment()
    }

    /// A status API request with a missing or wrong token.
    func statusAuthFailure(_ reason: AuthFailure) {
        Counter(label: "picket_status_auth_failures_total", dimensions: [("reason", reason.rawValue)], factory: factory).increment()
    }

    func webhook(url: String, result: WebhookResult) {
        Counter(label: "picket_webhook_deliveries_total", dimensions: [("url", url), ("result", result.rawValue)], factory: factory).increment()
    }

    func persistence(up: Bool) {
        Meter(label: "picket_persistence_up", dimensions: [], factory: factory).set(up ? 1 : 0)
    }

    func configRejected() {
        Counter(label: "picket_config_validation_failures_total", dimensions: [], factory: factory).increment()
    }

    /// The in-rotation gauge follows the core's rotation observations and nothing else, so it always
    /// says what the file is rendered from.
    private func rotation(_ id: BackendID, inRotation: Bool) {
        backends.setInRotation(id, inRotation ? 1 : 0)
    }

    private func circuit(_ id: BackendID, _ circuit: Circuit) {
        let value: Double
        switch circuit {
        case .closed: value = 0
        case .halfOpen: value = 1
        case .open: value = 2
        }
        backends.setCircuit(id, value)
    }

    func certificateExpiry(_ id: BackendID, _ expiry: Int64) {
        backends.setCertificateExpiry(id, Double(expiry))
    }

    /// A removed backend's series go away with it.
    private func forget(_ id: BackendID) {
        backends.forget(id)
    }

    private func labels(_ id: BackendID) -> [(String, String)] {
        [("app", "\(id.app)"), ("backend", "\(id.address)")]
    }
}
