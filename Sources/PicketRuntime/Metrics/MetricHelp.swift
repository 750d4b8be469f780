/// The `# HELP` line of every metric family Picket exports: one table, so `promtool check metrics` finds
/// help for each and the README can say what a family means in the same words.
///
/// swift-metrics has no notion of help text (its factory registers every family with an empty one), so
/// the lines are added to the registry's exposition here, before each family's `# TYPE` line.
enum MetricHelp {
    static let families: [String: String] = [
        "picket_probes_total": "Probes finished, by app and result: passed, the failure class, or local_fault (a probe Picket could not make).",
        "picket_probe_duration_seconds": "Time from sending a probe to its verdict, by app.",
        "picket_probe_lag_seconds": "How late probes started after they were due.",
        "picket_probe_edges_shed_total": "Edge probes (a second check beside a silent one) not sent because every max_concurrent slot was taken.",
        "picket_probe_local_failures_total": "Probes Picket could not make on its own side (no descriptor, local port or buffer), by fault; they judge no backend.",
        "picket_transitions_total": "Backend phase changes, by app and from/to phase.",
        "picket_backend_in_rotation": "1 while the backend is in nginx's rotation (follows the core's rotation changes), else 0.",
        "picket_backend_circuit_state": "The backend's circuit: 0 closed, 1 half-open, 2 open.",
        "picket_backend_tls_cert_expiry_timestamp_seconds": "Unix time the certificate the backend presented at its last TLS check expires (https, grpc and tcp checks with tls).",
        "picket_app_all_down": "1 while no backend of the app is fit and its all-down policy decides the servers.",
        "picket_applies_total": "Upstream file applies, by result: applied, unchanged, or failed_STAGE.",
        "picket_apply_duration_seconds": "Time an apply took (render, validate, swap, reload), by result.",
        "picket_reloads_total": "nginx reloads Picket made, by result.",
        "picket_lua_pushes_total": "Pushes of the live set to nginx's Lua sync endpoint (nginx.mode: lua), by result; a failed one on a change falls back to the file and a reload.",
        "picket_last_apply_success_timestamp_seconds": "Unix time of the last apply that left the live file as Picket wants it (written and reloaded, or already up to date); 0 before the first.",
        "picket_upstream_rejections_total": "Times nginx rejected one app's upstream (the other apps' changes went ahead), by app.",
        "picket_config_validation_failures_total": "Config reloads (SIGHUP) refused; the running config was kept.",
        "picket_docker_actions_total": "Container restarts and recreates, by action and result.",
        "picket_quarantines_total": "Containers quarantined after their recovery budget was spent, by app.",
        "picket_passive_ejections_total": "Backends ejected by real users' failed requests (passive detection), by app and rule.",
        "picket_passive_datagrams_total": "nginx access-log datagrams received for passive detection, by result.",
        "picket_backend_requests_total": "Requests nginx sent to the backend, as its access log reports them.",
        "picket_backend_failed_requests_total": "Requests to the backend that failed (5xx or no connection), as nginx's access log reports them.",
        "picket_backend_requests_per_second": "Requests nginx sent to the backend per second over the last 10 s, as its access log reports them.",
        "picket_backend_error_ratio": "Share of the backend's requests over the last 10 s that failed, by class: server_error (5xx or no answer), gateway (502, 503, 504 or no answer), connect (no connection).",
        "picket_backend_upstream_response_seconds": "The backend's upstream response time over the last 10 s at the 50th, 95th and 99th percentile (within about 10 %), as nginx's access log reports it.",
        "picket_status_auth_failures_total": "Status API operator requests refused for the token, by reason: missing, wrong, disabled.",
        "picket_webhook_deliveries_total": "Webhook delivery outcomes, by URL and result: delivered, failed_attempt, gave_up, dropped.",
        "picket_persistence_up": "1 while the state database is written successfully, else 0.",
        "picket_event_stream_clients": "Clients following GET /v1/events now.",
        "picket_event_stream_dropped_total": "Events not delivered to a slow /v1/events client (its buffer was full); the client is told how many.",
        "picket_event_stream_cut_off_total": "/v1/events clients disconnected because they accepted nothing while events waited.",
    ]

    /// The registry's exposition with a `# HELP` line before each family's `# TYPE` line.
    static func annotate(_ exposition: [UInt8]) -> [UInt8] {
        let typePrefix = Array("# TYPE ".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(exposition.count + families.count * 100)
        var lineStart = exposition.startIndex
        while lineStart < exposition.endIndex {
            let lineEnd = exposition[lineStart...].firstIndex(of: UInt8(ascii: "\n")) ?? exposition.endIndex
            let line = exposition[lineStart..<lineEnd]
            if line.starts(with: typePrefix) {
                let name = String(decoding: line.dropFirst(typePrefix.count).prefix { $0 != UInt8(ascii: " ") }, as: UTF8.self)
                if let help = families[name] { out += Array("# HELP \(name) \(help)\n".utf8) }
            }
            out += line
            out.append(UInt8(ascii: "\n"))
            lineStart = lineEnd < exposition.endIndex ? exposition.index(after: lineEnd) : lineEnd
        }
        return out
    }
}
