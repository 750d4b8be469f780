import PicketCore

/// Webhook alerts: where to send which events.
public struct AlertSettings: Hashable, Sendable {
    public var webhooks: [Webhook]
    /// Alerts waiting per webhook; beyond it new ones are dropped (and counted).
    public var queueSize: Int
    public var maxRetries: Int

    public init(webhooks: [Webhook] = [], queueSize: Int = 1000, maxRetries: Int = 5) {
        self.webhooks = webhooks
        self.queueSize = queueSize
        self.maxRetries = maxRetries
    }
}

/// One receiver: an `http://` or `https://` URL, the lowest severity it wants, and optionally which
/// events (all when empty), extra request headers, and a secret that signs each body.
public struct Webhook: Hashable, Sendable {
    /// The header carrying `sha256=HEX`, the HMAC-SHA256 of the body under `secret`.
    public static let signatureHeader = "X-Picket-Signature-256"
    /// Headers Picket writes itself, refused in `headers`.
    public static let reservedHeaders: Set<String> = ["host", "content-length", "content-type", "transfer-encoding", "connection", signatureHeader.lowercased()]

    public var host: String
    public var port: Int
    public var path: String
    /// HTTPS: the receiver's certificate is verified (against `caFile`, or the system's CAs).
    public var tls: Bool
    public var minSeverity: AlertSeverity
    public var events: Set<AlertKind>
    public var timeout: Duration
    public var headers: [HeaderField]
    /// Signs each body with HMAC-SHA256 (`X-Picket-Signature-256`), so a receiver can tell Picket sent it.
    public var secret: String?
    /// A PEM bundle of the CAs to trust instead of the system's (HTTPS only).
    public var caFile: String?

    public init(
        host: String, port: Int, path: String, tls: Bool = false, minSeverity: AlertSeverity = .warning, events: Set<AlertKind> = [],
        timeout: Duration = .seconds(5), headers: [HeaderField] = [], secret: String? = nil, caFile: String? = nil
    ) {
        self.host = host
        self.port = port
        self.path = path
        self.tls = tls
        self.minSeverity = minSeverity
        self.events = events
        self.timeout = timeout
        self.headers = headers
        self.secret = secret
        self.caFile = caFile
    }

    /// Without secrets: what logs and the metrics' `url` label show.
    public var url: String {
        let bracketed = host.contains(":") ? "[\(host)]" : host
        return "\(tls ? "https" : "http")://\(bracketed):\(port)\(path)"
    }

    public func wants(_ kind: AlertKind) -> Bool {
        kind.severity >= minSeverity && (events.isEmpty || events.contains(kind))
    }
}

public enum AlertSeverity: String, Hashable, Sendable, CaseIterable, Comparable {
    case info, warning, error, critical

    public static func < (lhs: AlertSeverity, rhs: AlertSeverity) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// What Picket alerts on, each with its severity.
public enum AlertKind: String, Hashable, Sendable, CaseIterable {
    case circuitOpened = "circuit_opened"
    case backendQuarantined = "backend_quarantined"
    case recoveryFailed = "recovery_failed"
    case nginxApplyFailed = "nginx_apply_failed"
    case dockerEngineDown = "docker_engine_down"
    case appAllDown = "app_all_down"
    case backendEjected = "backend_ejected"
    /// A TLS backend's certificate has fewer days left than its check's `tls.expiry_warning_days`.
    case tlsCertExpiring = "tls_cert_expiring"

    public var severity: AlertSeverity {
        switch self {
        case .circuitOpened, .backendEjected, .tlsCertExpiring: return .warning
        case .backendQuarantined, .recoveryFailed, .nginxApplyFailed, .dockerEngineDown: return .error
        case .appAllDown: return .critical
        }
    }
}
