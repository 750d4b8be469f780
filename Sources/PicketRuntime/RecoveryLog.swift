import Logging
import PicketCore

/// Log lines for container recovery, each with app, container, trigger, outcome and duration, all
/// starting with `recovery` so an operator can follow them with `grep recovery`.
enum RecoveryLog {
    static func log(_ event: RecoveryEvent, to logger: Logger) {
        let line = line(event)
        logger.log(level: line.level, "recovery \(event.backend) (container \(event.container)): \(line.text)", metadata: line.metadata)
    }

    /// What happened, without the subject: the log line's text, and the state database's event detail.
    static func summary(_ event: RecoveryEvent) -> String { line(event).text }

    private static func line(_ event: RecoveryEvent) -> (level: Logger.Level, text: String, metadata: Logger.Metadata) {
        var metadata = ObservationLog.meta("recovery", event.backend)
        metadata["container"] = "\(event.container)"
        switch event.kind {
        case .started(let action, let trigger, let draining):
            metadata["event"] = "recovery_started"
            metadata["action"] = "\(action.rawValue)"
            metadata["trigger"] = "\(trigger.words)"
            return (.warning, "\(action.rawValue) (\(trigger.words))\(draining ? ", draining it from nginx first" : "")", metadata)
        case .drainUnconfirmed(let action, let waited):
            metadata["event"] = "recovery_drain_unconfirmed"
            metadata["action"] = "\(action.rawValue)"
            return (.error,
                "nginx has not confirmed a file without it after \(waited.shortDescription) (applies failing); going ahead with the \(action.rawValue) anyway",
                metadata)
        case .actionFinished(let action, let result, let duration):
            metadata["event"] = "recovery_action"
            metadata["action"] = "\(action.rawValue)"
            metadata["duration_ms"] = .stringConvertible(Int(duration.milliseconds))
            metadata["outcome"] = "\(result.code)"
            let took = duration.shortDescription
            switch result {
            case .succeeded(let newID):
                let replacement = newID.map { ", new container \($0.prefix(12))" } ?? ""
                return (.notice, "\(action.rawValue) succeeded in \(took)\(replacement); it returns once it passes its checks", metadata)
            case .failed(let message):
                return (.error, "\(action.rawValue) failed after \(took): \(message)", metadata)
            case .engineUnavailable(let message):
                return (.warning, "\(action.rawValue) not done, Docker engine unreachable: \(message)", metadata)
            case .notLeaseHolder(let message):
                return (.notice, "\(action.rawValue) not done: this node could not prove it holds the engine's lease (\(message))", metadata)
            }
        case .recovered:
            metadata["event"] = "recovered"
            return (.notice, "recovered, back in rotation", metadata)
        case .didNotHelp(let trigger):
            metadata["event"] = "recovery_not_helped"
            metadata["trigger"] = "\(trigger.words)"
            return (.warning, "still failing after the last action (\(trigger.words)); next attempt after a backoff", metadata)
        case .quarantined(let reason):
            metadata["event"] = "quarantined"
            metadata["reason"] = "\(reason.words)"
            return (.error, "quarantined (\(reason.words)); no further actions until the container is replaced or an operator resets it", metadata)
        case .released(let cause):
            metadata["event"] = "quarantine_released"
            metadata["reason"] = "\(cause.rawValue)"
            return (.notice, "released from quarantine (\(cause.words))", metadata)
        }
    }
}
