import Logging
import PicketCore

/// Turns the core's observations into log lines an operator can grep: transitions start with
/// `backend`, everything about the nginx file with `upstream`.
enum ObservationLog {
    static func log(_ observation: Observation, to logger: Logger) {
        switch observation {
        case .transition(let transition):
            logTransition(transition, to: logger)
        case .firstRoundCompleted(let backends, let up):
            logger.info("upstream first round of checks complete: \(up) of \(backends) backends up; the file now follows health",
                metadata: ["event": "first_round", "backends": "\(backends)", "up": "\(up)"])
        case .allDown(let app, let policy):
            let effect = policy == .failOpen
                ? "keeping every instance so nginx's passive checks decide (fail_open)"
                : "marking every server down so nginx answers 502 at once (fail_closed)"
            logger.error("upstream \(app) has no healthy backend: \(effect)",
                metadata: ["event": "all_down", "app": "\(app)", "policy": "\(policy.rawValue)"])
        case .allDownCleared(let app):
            logger.notice("upstream \(app) has a healthy backend again", metadata: ["event": "all_down_cleared", "app": "\(app)"])
        case .backendsChanged(let added, let removed, let drained, let undrained):
            for id in added { logger.info("backend \(id) added: pending until checked", metadata: meta("backend_added", id)) }
            for id in removed { logger.info("backend \(id) removed", metadata: meta("backend_removed", id)) }
            for id in drained { logger.notice("backend \(id) draining by operator", metadata: meta("backend_drained", id)) }
            for id in undrained { logger.notice("backend \(id) no longer drained", metadata: meta("backend_undrained", id)) }
        case .applyRetryScheduled(let attempt, let delay):
            logger.warning("upstream apply will be retried in \(delay.shortDescription) (failure \(attempt))",
                metadata: ["event": "apply_retry", "attempt": "\(attempt)", "delay_ms": "\(Int(delay.milliseconds))"])
        case .recovery(let event):
            RecoveryLog.log(event, to: logger)
        case .operatorDrain(let id, let drained):
            logger.notice("backend \(id) \(drained ? "drained" : "undrained") by operator", metadata: meta(drained ? "operator_drain" : "operator_undrain", id))
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
        case .cooldownElapsed: why = "cooldown over, probing again"
        case .halfOpenExpired: why = "half-open too long without enough passes"
        case .checkDisabled: why = "health check disabled"
        case .containerRestarted(let action): why = "container \(action == .restart ? "restarted" : "recreated") by Picket, checks start over"
        case .containerReplaced: why = "container replaced, checks start over"
        }
        var suffix = ""
        if case .open(let until) = transition.to { suffix = ", cooldown \((until - transition.at).shortDescription)" }
        let rotation = transition.inRotationBefore == transition.inRotationAfter ? "" : (transition.inRotationAfter ? ", joins rotation" : ", leaves rotation")
        var metadata = meta("transition", transition.backend)
        metadata["from"] = "\(transition.from.name)"
        metadata["to"] = "\(transition.to.name)"
        metadata["circuit"] = "\(transition.to.circuitName)"
        metadata["successes"] = "\(transition.consecutiveSuccesses)"
        metadata["failures"] = "\(transition.consecutiveFailures)"
        if case .probe(let outcome) = transition.cause {
            if let failureClass = outcome.failureClass { metadata["failure.class"] = "\(failureClass.rawValue)" }
            if let status = outcome.evidence.statusCode { metadata["probe.status"] = "\(status)" }
            if let latency = outcome.evidence.latency { metadata["probe.latency_ms"] = "\(latency.milliseconds)" }
            if let message = outcome.evidence.message { metadata["probe.message"] = "\(message)" }
        }
        let level: Logger.Level = transition.to.isUp ? .notice : (transition.to.name == "open" ? .error : .warning)
        logger.log(level: level, "backend \(transition.backend) \(transition.from.name) → \(transition.to.name) (\(why)\(suffix))\(rotation)", metadata: metadata)
    }

    static func meta(_ event: String, _ id: BackendID) -> Logger.Metadata {
        ["event": "\(event)", "app": "\(id.app)", "backend": "\(id.address)"]
    }
}
