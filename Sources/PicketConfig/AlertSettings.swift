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

/// One receiver: an `http://host:port/path` URL, the lowest severity it wants, and optionally which
/// events (all when empty).
public struct Webhook: Hashable, Sendable {
    public var host: String
    public var port: Int
    public var path: String
    public var minSeverity: AlertSeverity
    public var events: Set<AlertKind>
    public var timeout: Duration

    public init(host: String, port: Int, path: String, minSeverity: AlertSeverity = .warning, events: Set<AlertKind> = [], timeout: Duration = .seconds(5)) {
        self.host = host
        self.port = port
        self.path = path
        self.minSeverity = minSeverity
        self.events = events
        self.timeout = timeout
    }

    public var url: String { "http://\(host):\(port)\(path)" }

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

    public var severity: AlertSeverity {
        switch self {
        case .circuitOpened, .backendEjected: return .warning
        case .backendQuarantined, .recoveryFailed, .nginxApplyFailed, .dockerEngineDown: return .error
        case .appAllDown: return .critical
        }
    }
}
