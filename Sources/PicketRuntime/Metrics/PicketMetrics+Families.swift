import Crypto
import Foundation
import Metrics
import PicketConfig
import PicketCore
import PicketNginx
import PicketPassive

extension PicketMetrics {
    /// Exports at zero every series whose labels the config already names, as Prometheus conventions
    /// ask: a rate or an alert on a counter then works from the first scrape, not from the first event.
    /// Making a handle registers its series without touching a value it already has, so this runs again
    /// on every config reload for apps and webhooks that are new.
    func configured(_ configuration: PicketConfiguration) {
        func counter(_ label: String, _ dimensions: [(String, String)] = []) {
            _ = Counter(label: label, dimensions: dimensions, factory: factory)
        }
        for result in ["applied", "unchanged"] + ApplyStage.allCases.map({ "failed_\($0.rawValue)" }) {
            counter("picket_applies_total", [("result", result)])
        }
        for result in ["ok", "failed"] { counter("picket_reloads_total", [("result", result)]) }
        if configuration.nginx.mode == .lua {
            for result in ["ok", "failed"] { counter("picket_lua_pushes_total", [("result", result)]) }
        }
        counter("picket_config_validation_failures_total")
        for reason in AuthFailure.allCases { counter("picket_status_auth_failures_total", [("reason", reason.rawValue)]) }
        for fault in LocalFault.allCases { counter("picket_probe_local_failures_total", [("fault", fault.rawValue)]) }
        _ = Meter(label: "picket_last_apply_success_timestamp_seconds", dimensions: [], factory: factory)
        _ = Meter(label: "picket_event_stream_clients", dimensions: [], factory: factory)
        counter("picket_event_stream_dropped_total")
        counter("picket_event_stream_cut_off_total")
        for app in configuration.apps {
            let name = ("app", app.name.description)
            _ = Meter(label: "picket_app_all_down", dimensions: [name], factory: factory)
            counter("picket_upstream_rejections_total", [name])
            for (from, to) in [(BackendPhase.pending, BackendPhase.up), (.pending, .down), (.up, .down), (.down, .up)] {
                counter("picket_transitions_total", [name, ("from", from.rawValue), ("to", to.rawValue)])
            }
            if app.docker != nil { counter("picket_quarantines_total", [name]) }
            if configuration.passive != nil, app.passive.enabled {
                for rule in PassiveRule.allCases { counter("picket_passive_ejections_total", [name, ("rule", rule.rawValue)]) }
            }
        }
        if configuration.passive != nil {
            for result in PassiveIngest.Result.allCases { counter("picket_passive_datagrams_total", [("result", result.rawValue)]) }
        }
        for webhook in configuration.alerts.webhooks {
            for result in WebhookResult.allCases { counter("picket_webhook_deliveries_total", [("url", webhook.url), ("result", result.rawValue)]) }
        }
    }

    /// An apply left the live file as `text` (written and reloaded, or already the same bytes).
    func fileApplied(_ outputs: OutputSet, at epochSeconds: Double) {
        let hashes = outputs.files.map { ($0.path, FixedText.hex(SHA256.hash(data: Array($0.text.utf8)))) }
        upstreamFileHashes.withLockedValue { $0 = Dictionary(hashes) { _, last in last } }
        Meter(label: "picket_last_apply_success_timestamp_seconds", dimensions: [], factory: factory).set(epochSeconds)
    }

    /// Info metrics (always 1, the facts in their labels): the version, and the hash of the upstream
    /// file last applied, the same as `sha256sum` prints for it, so a scrape tells which file is live.
    var infoExposition: String {
        var text = "# HELP picket_build_info Picket's version.\n# TYPE picket_build_info gauge\n"
            + "picket_build_info{version=\"\(PicketVersion.current)\"} 1\n"
        let files = upstreamFileHashes.withLockedValue { $0 }.sorted { $0.key < $1.key }
        if !files.isEmpty {
            text += "# HELP picket_upstream_file_info Each output file last applied, by path and SHA-256 (as sha256sum prints it).\n"
                + "# TYPE picket_upstream_file_info gauge\n"
            for (path, hash) in files { text += "picket_upstream_file_info{path=\"\(BackendGauges.escaped(path))\",sha256=\"\(hash)\"} 1\n" }
        }
        return text
    }
}

/// Why an operator request was refused for its token: the `reason` of `picket_status_auth_failures_total`.
enum AuthFailure: String, CaseIterable, Sendable {
    /// No token is configured: operator actions are off.
    case disabled
    /// No bearer token in the request.
    case missing
    case wrong
}

/// What happened to one webhook delivery attempt: the `result` of `picket_webhook_deliveries_total`.
enum WebhookResult: String, CaseIterable, Sendable {
    case delivered
    /// An attempt failed; it is retried unless it was the last.
    case failedAttempt = "failed_attempt"
    case gaveUp = "gave_up"
    /// The webhook's queue was full.
    case dropped
}

extension PicketMetrics {
    func eventClients(_ count: Int) {
        Meter(label: "picket_event_stream_clients", dimensions: [], factory: factory).set(Double(count))
    }

    func eventsDropped(_ count: Int) {
        Counter(label: "picket_event_stream_dropped_total", dimensions: [], factory: factory).increment(by: count)
    }

    func eventClientCutOff() {
        Counter(label: "picket_event_stream_cut_off_total", dimensions: [], factory: factory).increment()
    }
}
