import Logging
import PicketCore

/// Log lines for container recovery, each with app, container, trigger, outcome and duration, all
/// starting with `recovery` so an operator can follow them with `grep recovery`.
enum RecoveryLog {
    static func log(_ event: RecoveryEvent, to logger: Logger) {
        var metadata = ObservationLog.meta("recovery", event.backend)
        metadata["container"] = "\(event.container)"
        if let trigger = event.trigger { metadata["trigger"] = "\(trigger)" }
        let subject = "recovery \(event.backend) (container \(event.container))"
        let because = event.trigger.map { " (\($0))" } ?? ""
        switch event.kind {
        case .started(let action, let draining):
            metadata["event"] = "recovery_started"
            metadata["action"] = "\(action.rawValue)"
            logger.warning("\(subject): \(action.rawValue)\(because)\(draining ? ", draining it from nginx first" : "")", metadata: metadata)
        case .actionFinished(let action, let result, let duration):
            metadata["event"] = "recovery_action"
            metadata["action"] = "\(action.rawValue)"
            metadata["duration_ms"] = "\(Int(duration.milliseconds))"
            let took = duration.shortDescription
            switch result {
            case .succeeded(let newID):
                metadata["outcome"] = "succeeded"
                let replacement = newID.map { ", new container \($0.prefix(12))" } ?? ""
                logger.notice("\(subject): \(action.rawValue) succeeded in \(took)\(replacement); it returns once it passes its checks", metadata: metadata)
            case .failed(let message):
                metadata["outcome"] = "failed"
                logger.error("\(subject): \(action.rawValue) failed after \(took): \(message)", metadata: metadata)
            case .engineUnavailable(let message):
                metadata["outcome"] = "engine_unavailable"
                logger.warning("\(subject): \(action.rawValue) not done, Docker engine unreachable: \(message)", metadata: metadata)
            }
        case .recovered:
            metadata["event"] = "recovered"
            logger.notice("\(subject): recovered, back in rotation", metadata: metadata)
        case .didNotHelp:
            metadata["event"] = "recovery_not_helped"
            logger.warning("\(subject): still failing after the last action\(because); next attempt after a backoff", metadata: metadata)
        case .quarantined:
            metadata["event"] = "quarantined"
            logger.error("\(subject): quarantined\(because); no further actions until the container is replaced", metadata: metadata)
        case .released:
            metadata["event"] = "quarantine_released"
            logger.notice("\(subject): released from quarantine\(because)", metadata: metadata)
        }
    }
}
