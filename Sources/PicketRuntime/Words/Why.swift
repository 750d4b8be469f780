import PicketCore
import PicketPassive

/// Why a backend is in or out of rotation, in the words of the log: what `picket why`, the API and
/// the dashboard show. Built from the same `RotationReason` the file is rendered from.
enum Why {
    static func text(_ backend: BackendSnapshot, now: Instant) -> String {
        let state = backend.state
        let checked = "still checked (\(state.phase.rawValue))"
        let last = state.lastFailure.map { "last failure: \($0.failureClass.rawValue)" + ($0.evidence.description.isEmpty ? "" : " (\($0.evidence))") }
        switch backend.rotation {
        case .drained(.operator): return "drained by an operator through the API; \(checked)"
        case .drained(.config): return "drained in the config; \(checked)"
        case .recovery(.quarantined(let reason)):
            return "quarantined: \(reason.words); no further actions until the container is replaced or an operator resets it"
        case .recovery(.draining(let action, let trigger)):
            guard case .draining(_, _, _, let until) = backend.recovery.phase, let until else {
                return "draining before a \(action.rawValue) (\(trigger.words)): waiting for nginx to take it out of the file"
            }
            let left = max(.zero, until - now)
            return "draining before a \(action.rawValue) (\(trigger.words)), \(left.shortDescription) left"
        case .recovery(.acting(let action, let trigger)):
            var took = ""
            if case .acting(_, _, _, let since) = backend.recovery.phase { took = " for \((now - since).shortDescription)" }
            return "\(action.progressive)\(took) (\(trigger.words)); not readmitted until it passes its checks"
        case .dockerUnhealthy: return "out of rotation: Docker's HEALTHCHECK reports it unhealthy"
        case .ejected(let ejection):
            return "ejected by live traffic: \(ejection.words); returns in \(max(.zero, ejection.until - now).shortDescription) once its checks pass"
        case .pending:
            return backend.check.enabled ? "pending: no verdict yet" : "health check disabled: taken as up"
        case .checkDisabled: return "in rotation: health check disabled, taken as up"
        case .passed(let successes):
            let ramp = backend.rampStep.map { "; slow start, at \($0)/\(SlowStart.steps) of its weight" } ?? ""
            return "in rotation: passed \(successes)× in a row\(ramp)"
        case .failed(let failures, _, let circuit):
            return failedText(backend, failures: failures, circuit: circuit, last: last, now: now)
        case .removed(let cause): return "removed: \(RotationReason.removed(cause).words)"
        }
    }

    /// `TLS certificate expires in 41 days (2027-01-10T12:00:00Z)`.
    static func certificate(_ certificate: CertificateDocument) -> String {
        let days = certificate.daysLeft
        if days < 0 { return "TLS certificate expired \(-days) day\(days == -1 ? "" : "s") ago (\(certificate.expiresAt))" }
        return "TLS certificate expires in \(days) day\(days == 1 ? "" : "s") (\(certificate.expiresAt))"
    }

    /// `12.5 req/s, 2.1 % 5xx, p50 1.2ms p99 9.5ms` over the last ten seconds.
    static func traffic(_ summary: TrafficSummary) -> String {
        func ms(_ seconds: Double?) -> String { seconds.map { Duration.milliseconds($0 * 1000).shortDescription } ?? "-" }
        let rate = (summary.requestsPerSecond * 10).rounded() / 10
        let errors = (summary.serverErrorRate * 1000).rounded() / 10
        return "\(rate) req/s, \(errors) % 5xx, p50 \(ms(summary.p50Seconds)) p95 \(ms(summary.p95Seconds)) p99 \(ms(summary.p99Seconds))"
    }

    private static func failedText(_ backend: BackendSnapshot, failures: Int, circuit: Circuit, last: String?, now: Instant) -> String {
        let state = backend.state
        let needs = backend.check.successThreshold
        var parts: [String] = []
        if state.consecutiveSuccesses > 0 {
            parts.append("down: passing again (\(state.consecutiveSuccesses)/\(needs) passes)")
            if let until = state.heldDownUntil(spec: backend.circuit), until > now {
                parts.append("held down after \(state.flaps) flap\(state.flaps == 1 ? "" : "s") for \((until - now).shortDescription) more")
            }
        } else {
            parts.append("down: \(failures)× failed in a row, needs \(needs) pass\(needs == 1 ? "" : "es") to return")
        }
        switch circuit {
        case .closed: break
        case .open:
            let opened = state.circuitOpenedAt.map { " for \((now - $0).shortDescription)" } ?? ""
            parts.append("circuit open\(opened): still probed, at most every \(backend.circuit.maxProbeInterval.shortDescription)")
        case .halfOpen: parts.append("circuit half-open")
        }
        if state.consecutiveSuccesses == 0, state.flaps > 0 {
            parts.append("\(state.flaps) flap\(state.flaps == 1 ? "" : "s"): it must pass for \(backend.circuit.holdDown(flaps: state.flaps).shortDescription) without a break to return")
        }
        if let last { parts.append(last) }
        return parts.joined(separator: "; ")
    }
}
