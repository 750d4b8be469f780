import PicketCore

/// The keys of `health_check:` (in an app or in `defaults:`).
enum HealthCheckKeys {
    static let type = ConfigKey(
        "type", .choice(CheckType.allCases.map(\.rawValue)), .derived("http; tcp for a stream app"),
        "an HTTP request, the same over TLS, a TCP connect (with an optional exchange), or grpc.health.v1.Health/Check")
    static let enabled = ConfigKey("enabled", .boolean, .value("true"), "false keeps every instance in rotation, unchecked")
    static let path = ConfigKey("path", .text, .value("/"), "the request path (http); a container's picket.health.path overrides it")
    static let port = ConfigKey("port", .integer(1...65_535), .none, "probe this port instead of the instance's")
    static let method = ConfigKey("method", .choice(HealthCheckDecoder.methods), .value("GET"), "the request method (http)")
    static let headers = ConfigKey("headers", .mapping, .none, "request headers (http, https); call metadata (grpc)")
    static let grpcService = ConfigKey("grpc_service", .text, .value("\"\""), "the service asked about (grpc); empty: the whole server")
    static let tls = ConfigKey("tls", .section(TLSKeys.section), .derived("verified TLS for https; none otherwise"), "TLS to the backend (https, grpc, tcp)")
    static let body = ConfigKey("body", .text, .none, "a request body, for POST and PUT (http)")
    static let expectedStatusCodes = ConfigKey(
        "expected_status_codes", .oneOrList(.text), .value("200-399"), "status codes (200) and ranges (\"300-399\") that pass, 100 to 599 (http)")
    static let expectedBody = ConfigKey("expected_body", .text, .none, "the response body must contain this (http)")
    static let probeData = ConfigKey("probe_data", .text, .none, "sent after connecting (tcp)")
    static let expectedResponse = ConfigKey("expected_response", .text, .none, "the reply must contain this (tcp); without it a connect is enough")
    static let initialDelay = ConfigKey("initial_delay", .duration(.zero ... .seconds(3600)), .value("0s"), "before a new backend's first check")
    static let interval = ConfigKey("interval", .duration(.milliseconds(100) ... .seconds(3600)), .value("5s"), "time between checks of a steady backend")
    static let fastInterval = ConfigKey(
        "fast_interval", .duration(.milliseconds(10) ... .seconds(3600)), .value("250ms"),
        "while in transition (up after a failure, down after a pass); never more than interval")
    static let downInterval = ConfigKey(
        "down_interval", .duration(.milliseconds(100) ... .seconds(3600)), .derived("interval"), "while out of rotation (the circuit may back it off)")
    static let timeout = ConfigKey(
        "timeout", .duration(.milliseconds(10) ... .seconds(600)), .value("2s"), "connect and full response; at most the interval (unset: 2s or the interval, if shorter)")
    static let failureThreshold = ConfigKey("failure_threshold", .integer(1...100), .value("3"), "consecutive failures: up → down (out of rotation)")
    static let successThreshold = ConfigKey("success_threshold", .integer(1...100), .value("1"), "consecutive passes: down → up")
    static let maxRetries = ConfigKey("max_retries", .integer(0...10), .value("0"), "immediate retries before a failed check counts")
    static let maxResponseTime = ConfigKey(
        "max_response_time", .duration(.milliseconds(1) ... .seconds(600)), .none, "a correct answer slower than this fails as `slow`")
    static let jitter = ConfigKey("jitter", .fraction(0...0.5), .value("0.02"), "each interval is spread by up to ± this fraction of itself")
    static let reuseConnection = ConfigKey(
        "reuse_connection", .boolean, .value("false"),
        "one keep-alive connection per backend instead of one per check (http): about half the CPU, but a backend that stops accepting new connections is noticed only when it is renewed")
    static let maxChecksPerConnection = ConfigKey(
        "max_checks_per_connection", .integer(1...10_000), .value("10"), "with reuse_connection, a connection is renewed after this many checks")

    /// The keys that apply to some check types only; a key given for another type is refused.
    static let typeSpecific: [(key: ConfigKey, types: [CheckType])] = [
        (path, [.http, .https]), (method, [.http, .https]), (headers, [.http, .https, .grpc]), (body, [.http, .https]),
        (expectedStatusCodes, [.http, .https]), (expectedBody, [.http, .https]), (reuseConnection, [.http]), (maxChecksPerConnection, [.http]),
        (probeData, [.tcp]), (expectedResponse, [.tcp]), (grpcService, [.grpc]), (tls, CheckType.allCases.filter(\.allowsTLS)),
    ]

    static let section = ConfigSection("apps[].health_check", [
        type, enabled, path, port, method, headers, body, expectedStatusCodes, expectedBody, probeData, expectedResponse, grpcService, tls,
        initialDelay, interval, fastInterval, downInterval, timeout, failureThreshold, successThreshold, maxRetries, maxResponseTime, jitter,
        reuseConnection, maxChecksPerConnection,
    ])
}

/// The keys of `health_check.tls:`.
enum TLSKeys {
    static let verify = ConfigKey("verify", .boolean, .value("true"), "verify the certificate chain and name; false accepts any certificate")
    static let caFile = ConfigKey("ca_file", .path, .derived("the system's CAs"), "trust this CA bundle (PEM) instead")
    static let serverName = ConfigKey("server_name", .text, .derived("the instance's host"), "the name sent as SNI and verified")
    static let clientCert = ConfigKey("client_cert", .path, .none, "a client certificate (PEM) for servers that require one; needs client_key")
    static let clientKey = ConfigKey("client_key", .path, .none, "the client certificate's private key (PEM)")
    static let expiryWarningDays = ConfigKey(
        "expiry_warning_days", .integer(1...365), .value("14"), "alert tls_cert_expiring when the backend's certificate has fewer days left")

    static let section = ConfigSection("apps[].health_check.tls", [verify, caFile, serverName, clientCert, clientKey, expiryWarningDays])
}
