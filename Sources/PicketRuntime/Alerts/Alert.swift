import Foundation
import Logging
import PicketConfig
import PicketCore

/// One alert as receivers get it (JSON, snake_case).
struct Alert: Encodable, Sendable {
    let event: String
    let severity: String
    let app: String?
    let backend: String?
    let message: String
    let at: String
    /// The facts behind it: failure class, probe message, trigger, nginx's words…
    let evidence: [String: String]

    init(_ kind: AlertKind, app: AppName? = nil, backend: ServerAddress? = nil, message: String, evidence: [String: String] = [:]) {
        event = kind.rawValue
        severity = kind.severity.rawValue
        self.app = app?.description
        self.backend = backend?.description
        self.message = message
        at = Date().iso8601
        self.evidence = evidence
    }

    var kind: AlertKind { AlertKind(rawValue: event)! }
}

extension Alert {
    /// The alert an observation calls for, if any.
    init?(_ observation: Observation) {
        switch observation {
        case .transition(let transition):
            guard transition.to.circuit == .open, transition.from.circuit == .closed else { return nil }
            var evidence: [String: String] = ["from": transition.from.phase.rawValue, "consecutive_failures": "\(transition.consecutiveFailures)"]
            if case .probe(let outcome) = transition.cause {
                evidence["failure_class"] = outcome.failureClass?.rawValue
                evidence["probe_message"] = outcome.evidence.message
            }
            self.init(.circuitOpened, app: transition.backend.app, backend: transition.backend.address,
                message: "circuit opened for \(transition.backend) after \(transition.consecutiveFailures) failed check\(transition.consecutiveFailures == 1 ? "" : "s") in a row",
                evidence: evidence)
        case .recovery(let event):
            if case .quarantined(let reason) = event.kind {
                self.init(.backendQuarantined, app: event.backend.app, backend: event.backend.address,
                    message: "\(event.backend) quarantined: \(reason.words)", evidence: ["container": event.container, "reason": reason.words])
            } else if case .actionFinished(let action, .failed(let message), _) = event.kind {
                self.init(.recoveryFailed, app: event.backend.app, backend: event.backend.address,
                    message: "\(action.rawValue) of \(event.container) failed: \(message)", evidence: ["container": event.container, "error": message])
            } else {
                return nil
            }
        case .passiveEjection(let id, let ejection):
            var evidence = ["rule": ejection.rule.rawValue, "count": "\(ejection.count)", "ejections": "\(ejection.ejections)"]
            evidence["last_status"] = ejection.lastFailure?.status.map(String.init)
            self.init(.backendEjected, app: id.app, backend: id.address, message: "\(id) ejected: \(ejection.words)", evidence: evidence)
        case .allDown(let app, let allDown):
            self.init(.appAllDown, app: app, message: "upstream \(app) \(allDown.words)", evidence: ["policy": allDown.label])
        case .firstRoundCompleted, .allDownCleared, .backendsChanged, .applyRetryScheduled, .operatorDrain, .rotation, .slowStartStep, .upstreamRejected, .firstListingOverdue, .passiveEjectionHeld:
            return nil
        }
    }
}
