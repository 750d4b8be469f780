import PicketCore

/// The words an operator reads for the core's typed reasons. The core holds values; only the shell
/// (logs, `why`, the API) turns them into text, always the same text for the same value.
extension RotationReason {
    var words: String {
        switch self {
        case .passed(let successes): return "passed \(successes)×"
        case .checkDisabled: return "health check disabled"
        case .pending: return "no verdict yet"
        case .failed(let failures, let failureClass, let circuit):
            let prefix = circuit == .closed ? "down" : "circuit \(circuit.words)"
            guard failures > 0 else { return "\(prefix): passing, not readmitted yet" }
            return "\(prefix): \(failures)× \(failureClass?.rawValue ?? "failed")"
        case .drained(.config): return "drained"
        case .drained(.operator): return "drained by operator"
        case .dockerUnhealthy: return "docker healthcheck unhealthy"
        case .ejected(let ejection): return "ejected: \(ejection.words)"
        case .recovery(.draining(let action, let trigger)): return "draining before a \(action.rawValue): \(trigger.words)"
        case .recovery(.acting(let action, let trigger)): return "\(action.progressive): \(trigger.words)"
        case .recovery(.quarantined(let reason)): return "quarantined: \(reason.words)"
        case .removed(.removedFromConfig): return "instance removed from config"
        case .removed(.containerGone): return "container gone"
        }
    }

    /// A short machine-friendly name for metrics labels and JSON.
    var code: String {
        switch self {
        case .passed: return "passed"
        case .checkDisabled: return "check_disabled"
        case .pending: return "pending"
        case .failed(_, _, let circuit): return circuit == .closed ? "failed" : "circuit_\(circuit.rawValue)"
        case .drained(let source): return "drained_\(source.rawValue)"
        case .dockerUnhealthy: return "docker_unhealthy"
        case .ejected: return "ejected"
        case .recovery(.draining): return "recovery_draining"
        case .recovery(.acting(let action, _)): return "recovery_\(action.progressive)"
        case .recovery(.quarantined): return "quarantined"
        case .removed(let cause): return cause.rawValue
        }
    }
}

extension UpstreamChange {
    /// `+ 127.0.0.1:8002 (passed 2×)`, as the `upstream` log lines print it.
    var line: String { "\(direction.rawValue) \(address) (\(reasonWords))" }

    var reasonWords: String {
        switch reason {
        case .rotation(let rotation): return rotation.words
        case .allDown(let policy): return direction == .added ? "all backends down: \(policy.rawValue)" : "all backends down"
        }
    }
}

extension Circuit {
    var words: String {
        switch self {
        case .closed: return "closed"
        case .open: return "open"
        case .halfOpen: return "half-open"
        }
    }
}

extension RecoveryAction {
    var progressive: String {
        switch self {
        case .restart: return "restarting"
        case .recreate: return "recreating"
        }
    }
}

extension PassiveEjection {
    /// `5 consecutive 502 from live traffic, last at 12:04:05.120, for 30s`.
    var words: String {
        let last = lastFailure.map { ", last at \(Self.clock($0.loggedAt))" } ?? ""
        let what: String
        switch rule {
        case .consecutive5xx, .consecutiveGatewayFailure:
            let status = lastFailure.flatMap { $0.connectFailed ? nil : $0.status }.map(String.init) ?? "failed"
            what = "\(count) consecutive \(rule == .consecutive5xx ? status : "gateway failures (last \(status))")"
        case .consecutiveConnectFailure: what = "\(count) connections in a row that nginx could not make"
        case .failurePercentage: what = "\(count)% of \(requests) requests failed"
        }
        let repeated = ejections > 1 ? " (ejection \(ejections) in a row)" : ""
        return "\(what) from live traffic\(last), for \((until - at).shortDescription)\(repeated)"
    }

    /// A wall-clock time of day, UTC, to the millisecond.
    static func clock(_ epoch: Double) -> String {
        let seconds = Int64(epoch)
        let millis = Int((epoch - Double(seconds)) * 1000)
        return FixedText.timeOfDay(epochSeconds: seconds, milliseconds: max(0, min(999, millis)))
    }
}

extension AllDown {
    /// What the file does, after "upstream APP".
    var words: String {
        switch self {
        case .failed(.failOpen): return "has no healthy backend: keeping every instance so nginx's passive checks decide (fail_open)"
        case .failed(.failClosed): return "has no healthy backend: marking every server down so nginx answers 502 at once (fail_closed)"
        case .noContainers: return "has no containers: one down placeholder so nginx answers 502 at once"
        }
    }

    /// The policy label of the log line and alert: the policy, or `no_containers`.
    var label: String { policy?.rawValue ?? "no_containers" }
}
