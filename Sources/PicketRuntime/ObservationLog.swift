import Logging
import PicketCore

/// Turns the core's observations into log lines an operator can grep: health changes and rotation
/// changes start with `backend`, everything about the nginx file with `upstream`.
enum ObservationLog {
    static func log(_ observation: Observation, to logger: Logger) {
        switch observation {
        case .transition(let transition):
            logTransition(transition, to: logger)
        case .rotation(let change):
            logRotation(change, to: logger)
        case .firstRoundCompleted(let round):
            let drained = round.drained > 0 ? ", \(round.drained) more passing but drained" : ""
            logger.info(
                "upstream first round of checks complete: \(round.inRotation) of \(round.backends) backends in rotation\(drained); the file now follows health",
                metadata: ["event": "first_round", "backends": .stringConvertible(round.backends), "in_rotation": .stringConvertible(round.inRotation),
                    "drained": .stringConvertible(round.drained)])
        case .allDown(let app, let allDown):
            logger.error("upstream \(app) \(allDown.words)", metadata: ["event": "all_down", "app": "\(app)", "policy": "\(allDown.label)"])
        case .allDownCleared(let app):
            logger.notice("upstream \(app) has a healthy backend again", metadata: ["event": "all_down_cleared", "app": "\(app)"])
        case .backendsChanged(let change):
            for id in change.added { logger.info("backend \(id) added: pending until checked", metadata: meta("backend_added", id)) }
            for id in change.restored {
                logger.info("backend \(id) added with its state from before Picket restarted", metadata: meta("backend_restored", id))
            }
            for id in change.removed { logger.info("backend \(id) removed", metadata: meta("backend_removed", id)) }
            for id in change.drained { logger.notice("backend \(id) drained in the config", metadata: meta("backend_drained", id)) }
            for id in change.undrained { logger.notice("backend \(id) no longer drained in the config", metadata: meta("backend_undrained", id)) }
        case .applyRetryScheduled(let attempt, let delay):
            logger.warning("upstream apply will be retried in \(delay.shortDescription) (failure \(attempt))",
                metadata: ["event": "apply_retry", "attempt": .stringConvertible(attempt), "delay_ms": .stringConvertible(Int(delay.milliseconds))])
        case .firstListingOverdue(let apps, let remembered):
            let names = apps.map(\.description).joined(separator: ", ")
            logger.warning(
                "docker: no container listing yet; the first round goes on without one for \(names) (\(remembered) remembered containers checked at their addresses until the engine answers)",
                metadata: ["event": "first_listing_overdue", "apps": "\(names)", "remembered": .stringConvertible(remembered)])
        case .upstreamRejected(let app, let message):
            logger.error(
                "upstream \(app) rejected by nginx: \(message); it keeps its last accepted servers and the other apps' changes go ahead without it",
                metadata: ["event": "upstream_rejected", "app": "\(app)"])
        case .recovery(let event):
            RecoveryLog.log(event, to: logger)
        case .operatorDrain(let id, let drained):
            logger.notice("backend \(id) \(drained ? "drained" : "undrained") by operator", metadata: meta(drained ? "operator_drain" : "operator_undrain", id))
        case .passiveEjection(let id, let ejection):
            var metadata = meta("passive_ejection", id)
            metadata["rule"] = "\(ejection.rule.rawValue)"
            metadata["count"] = .stringConvertible(ejection.count)
            metadata["ejections"] = .stringConvertible(ejection.ejections)
            if let status = ejection.lastFailure?.status { metadata["status"] = .stringConvertible(status) }
            logger.error("backend \(id) ejected: \(ejection.words)", metadata: metadata)
        case .passiveEjectionHeld(let id, let rule, let ejected):
            var metadata = meta("passive_ejection_held", id)
            metadata["rule"] = "\(rule.rawValue)"
            logger.warning(
                "backend \(id) fails live traffic (\(rule.rawValue)) but is kept: \(ejected) of its app's backends are already ejected (max_ejection_percent)",
                metadata: metadata)
        case .slowStartStep(let id, let step, let steps):
            var metadata = meta("slow_start", id)
            metadata["step"] = .stringConvertible(step)
            logger.info(step < steps ? "backend \(id) slow start: \(step)/\(steps) of its weight" : "backend \(id) slow start done: full weight",
                metadata: metadata)
        }
    }

    private static func logTransition(_ transition: BackendTransition, to logger: Logger) {
        let why: String
        switch transition.cause {
        case .probe(.failed(let failureClass, let evidence)):
            why = "\(transition.consecutiveFailures)× \(failureClass.rawValue)" + (evidence.description.isEmpty ? "" : ": \(evidence)")
        case .probe(.passed(let evidence)):
            why = "\(transition.consecutiveSuccesses)× passed" + (evidence.description.isEmpty ? "" : ": \(evidence)")
        case .probe(.inconclusive(let fault, _)):
            why = "no verdict: \(fault.rawValue) on Picket's side"
        case .probe(.shed):
            why = "no verdict: an edge probe not sent"
        case .checkDisabled: why = "health check disabled"
        case .containerRestarted(let action): why = "container \(action == .restart ? "restarted" : "recreated") by Picket, checks start over"
        case .containerReplaced: why = "container replaced, checks start over"
        }
        var moves: [String] = []
        if transition.from.phase != transition.to.phase { moves.append("\(transition.from.phase.rawValue) → \(transition.to.phase.rawValue)") }
        if transition.from.circuit != transition.to.circuit {
            moves.append("circuit \(transition.from.circuit.words) → \(transition.to.circuit.words)")
        }
        let flaps = transition.flaps > 0 && transition.to.phase == .down ? ", \(transition.flaps) flap\(transition.flaps == 1 ? "" : "s")" : ""
        var metadata = meta("transition", transition.backend)
        metadata["from"] = "\(transition.from.phase.rawValue)"
        metadata["to"] = "\(transition.to.phase.rawValue)"
        metadata["circuit"] = "\(transition.to.circuit.rawValue)"
        metadata["successes"] = .stringConvertible(transition.consecutiveSuccesses)
        metadata["failures"] = .stringConvertible(transition.consecutiveFailures)
        metadata["flaps"] = .stringConvertible(transition.flaps)
        if case .probe(let outcome) = transition.cause {
            if let failureClass = outcome.failureClass { metadata["failure.class"] = "\(failureClass.rawValue)" }
            if let status = outcome.evidence.statusCode { metadata["probe.status"] = .stringConvertible(status) }
            if let latency = outcome.evidence.latency { metadata["probe.latency_ms"] = .stringConvertible(latency.milliseconds) }
            if let message = outcome.evidence.message { metadata["probe.message"] = "\(message)" }
        }
        let level: Logger.Level = transition.to.phase == .up ? .notice : (transition.to.circuit == .open ? .error : .warning)
        logger.log(level: level, "backend \(transition.backend) \(moves.joined(separator: ", ")) (\(why)\(flaps))", metadata: metadata)
    }

    private static func logRotation(_ change: RotationChange, to logger: Logger) {
        var metadata = meta(change.inRotation ? "rotation_joined" : "rotation_left", change.backend)
        metadata["reason"] = "\(change.reason.code)"
        if change.inRotation {
            logger.notice("backend \(change.backend) joins rotation (\(change.reason.words))", metadata: metadata)
        } else {
            logger.warning("backend \(change.backend) leaves rotation (\(change.reason.words))", metadata: metadata)
        }
    }

    static func meta(_ event: String, _ id: BackendID) -> Logger.Metadata {
        ["event": "\(event)", "app": "\(id.app)", "backend": "\(id.address)"]
    }
}
