import PicketCore

extension RecoveryTrigger {
    var words: String {
        switch self {
        case .containerStopped(let state): return "container \(state.rawValue)"
        case .dockerUnhealthy: return "docker healthcheck unhealthy"
        case .circuitOpen(let duration): return duration >= .seconds(1) ? "circuit open for \(duration.shortDescription)" : "circuit open"
        case .failedChecks(let count): return "\(count) failed check\(count == 1 ? "" : "s") in a row"
        }
    }
}

extension QuarantineReason {
    var words: String {
        switch self {
        case .budgetSpent(let restarts, let window, let recreated, let trigger):
            return "\(restarts) restarts within \(window.shortDescription)\(recreated ? " and a recreate" : "") did not bring it back (\(trigger.words))"
        case .recreateFailed(let message): return "recreate failed: \(message)"
        case .remembered(let words): return words
        }
    }
}

extension ReleaseCause {
    var words: String {
        switch self {
        case .containerReplaced: return "container replaced"
        case .operatorReset: return "reset by operator"
        }
    }
}

extension RecoveryPhase {
    /// The phase as the API and `picket status` name it.
    var name: String {
        switch self {
        case .idle: return "idle"
        case .draining: return "draining"
        case .acting(let action, _, _, _): return action.progressive
        case .verifying: return "verifying"
        case .quarantined: return "quarantined"
        }
    }
}

extension DockerActionResult {
    var code: String {
        switch self {
        case .succeeded: return "succeeded"
        case .failed: return "failed"
        case .engineUnavailable: return "engine_unavailable"
        case .notLeaseHolder: return "not_lease_holder"
        }
    }
}
