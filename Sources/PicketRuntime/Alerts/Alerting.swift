import Logging
import PicketConfig

/// Raises alerts: each is one log line (`event: alert`, so the event stream carries it too) and, when
/// webhooks are configured, a delivery to each that wants it.
struct Alerting: Sendable {
    let dispatcher: AlertDispatcher?
    let logger: Logger

    func raise(_ alert: Alert) {
        var metadata: Logger.Metadata = [
            "event": "alert", "alert": "\(alert.event)", "severity": "\(alert.severity)", "evidence": .dictionary(alert.evidence.mapValues { .string($0) }),
        ]
        if let app = alert.app { metadata["app"] = "\(app)" }
        if let backend = alert.backend { metadata["backend"] = "\(backend)" }
        logger.log(level: alert.kind.severity.logLevel, "alert \(alert.event) (\(alert.severity)): \(alert.message)", metadata: metadata)
        dispatcher?.send(alert)
    }

    func stop() {
        dispatcher?.stop()
    }
}

extension AlertSeverity {
    var logLevel: Logger.Level {
        switch self {
        case .info: return .info
        case .warning: return .warning
        case .error: return .error
        case .critical: return .critical
        }
    }
}
