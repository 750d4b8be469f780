/// The keys of `probes:`, `status:`, `state:` and `alerts:`.
enum OperationsKeys {
    static let maxConcurrent = ConfigKey("max_concurrent", .integer(1...65_536), .value("512"), "probes under way at once; more wait their turn")

    static let probes = ConfigSection("probes", [maxConcurrent])

    static let statusEnabled = ConfigKey("enabled", .boolean, .value("true"), "serve the dashboard, /healthz, /readyz, /metrics and /v1")
    static let listen = ConfigKey("listen", .address, .value("127.0.0.1:9180"), "host:port; beyond loopback, reads are open to anyone who reaches it")
    static let token = ConfigKey(
        "token", .text, .none, "bearer token for drain/undrain/reset, at least 16 characters; PICKET_STATUS_TOKEN wins")

    static let maxEventClients = ConfigKey(
        "max_event_clients", .integer(0...64), .value("8"), "clients of GET /v1/events at once (each open dashboard is one); 0 turns the stream off")

    static let status = ConfigSection("status", [statusEnabled, listen, token, maxEventClients])

    static let stateEnabled = ConfigKey("enabled", .boolean, .value("true"), "remember backend state across restarts")
    static let statePath = ConfigKey("path", .path, .derived("beside the config: picket.yaml → picket.state.db"), "the SQLite database")
    static let retention = ConfigKey(
        "retention", .duration(.seconds(60) ... .seconds(31_536_000)), .value("24h"), "raw check results and events older than this are purged")

    static let stateURL = ConfigKey(
        "url", .text, .none, "postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?sslmode=MODE]: a fleet's shared database instead of the SQLite file")
    static let passwordFile = ConfigKey(
        "password_file", .path, .derived("PGPASSWORD"), "a file holding the database password, when state.url has none")

    static let state = ConfigSection("state", [stateEnabled, statePath, retention, stateURL, passwordFile])

    static let queueSize = ConfigKey("queue_size", .integer(1...1_000_000), .value("1000"), "alerts waiting per webhook; newer ones are dropped beyond it")
    static let maxRetries = ConfigKey("max_retries", .integer(0...100), .value("5"), "delivery attempts after the first, then the alert is given up")
    static let webhooks = ConfigKey("webhooks", .sections(OperationsKeys.webhook), .none, "receivers")

    static let alerts = ConfigSection("alerts", [queueSize, maxRetries, webhooks])

    static let url = ConfigKey("url", .text, .required, "http://HOST[:PORT]/PATH, or https:// (the certificate is verified)")
    static let minSeverity = ConfigKey("min_severity", .choice(AlertSeverity.allCases.map(\.rawValue)), .value("warning"), "the lowest severity sent")
    static let events = ConfigKey("events", .list(.choice(AlertKind.allCases.map(\.rawValue))), .derived("all"), "which events are sent")
    static let timeout = ConfigKey("timeout", .duration(.milliseconds(100) ... .seconds(300)), .value("5s"), "each delivery attempt")
    static let webhookHeaders = ConfigKey("headers", .mapping, .none, "extra request headers (an API key, a routing key)")
    static let secret = ConfigKey(
        "secret", .text, .none, "at least 16 characters: each body is signed, X-Picket-Signature-256: sha256=HMAC-SHA256(secret, body) in hex")
    static let caFile = ConfigKey("ca_file", .path, .derived("the system's CAs"), "PEM bundle of the CAs to trust for an https:// receiver")

    static let webhook = ConfigSection("alerts.webhooks[]", [url, minSeverity, events, timeout, webhookHeaders, secret, caFile])
}
