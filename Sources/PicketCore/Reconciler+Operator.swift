/// What an operator can do to a running Picket (through the status API) and what it can ask: drain or
/// undrain a backend, release it from quarantine, and read why it is where it is.
extension Reconciler {
    /// Takes a backend out of rotation (or puts it back) without a config change. It keeps being
    /// checked, so its health is known when it returns; the change goes through the normal apply.
    public mutating func setOperatorDrain(_ id: BackendID, drained: Bool, now: Instant) throws(OperatorError) -> [Effect] {
        guard var record = records[id] else { throw .unknownBackend(id) }
        guard record.operatorDrained != drained else { return [] }
        let wasInRotation = record.inRotation
        record.operatorDrained = drained
        records[id] = record
        if record.inRotation != wasInRotation { noteRotationChange(now) }
        return [.record(.operatorDrain(id, drained: drained))] + dueEffects(now: now)
    }

    /// Releases a backend from quarantine and starts a fresh recovery episode with an empty budget.
    public mutating func resetRecovery(_ id: BackendID, now: Instant) throws(OperatorError) -> [Effect] {
        guard var record = records[id] else { throw .unknownBackend(id) }
        guard case .quarantined = record.recovery.phase else { throw .notQuarantined(id) }
        record.recovery = RecoveryState()
        records[id] = record
        noteRotationChange(now)
        let event = RecoveryEvent(backend: id, container: record.container?.name ?? "", trigger: "reset by operator", kind: .released)
        return [.record(.recovery(event))] + dueEffects(now: now)
    }

    /// Backends drained through the API, for persistence and status.
    public var operatorDrained: [BackendID] {
        records.filter(\.value.operatorDrained).keys.sorted()
    }

    /// Why a backend is in or out of rotation, in the words of the log.
    public func why(_ id: BackendID, now: Instant) -> String? {
        guard let record = records[id] else { return nil }
        let state = record.state
        let last = state.lastFailure.map { "last failure: \($0.failureClass.rawValue)" + ($0.evidence.description.isEmpty ? "" : " (\($0.evidence))") }
        if record.operatorDrained { return "drained by an operator through the API; still checked (\(state.phase.name))" }
        if record.instance.drain { return "drained in the config; still checked (\(state.phase.name))" }
        switch record.recovery.phase {
        case .quarantined(_, let reason): return "quarantined: \(reason); no further actions until the container is replaced or reset"
        case .draining(let until, let action):
            return "draining before a \(action.rawValue) (\(record.recovery.trigger ?? "")), \((until - now).shortDescription) left"
        case .acting(let action, _, let since):
            return "\(action == .restart ? "restarting" : "recreating") for \((now - since).shortDescription) (\(record.recovery.trigger ?? "")); not readmitted until it passes its checks"
        case .idle, .verifying: break
        }
        if record.container?.health == .unhealthy { return "out of rotation: Docker's HEALTHCHECK reports it unhealthy" }
        switch state.phase {
        case .pending: return "pending: no verdict yet"
        case .up: return "in rotation: passed \(state.consecutiveSuccesses)× in a row"
        case .down:
            return "down: \(state.consecutiveFailures)× failed in a row, needs \(record.check.successThreshold) passes to return" + (last.map { "; \($0)" } ?? "")
        case .open(let until):
            return "circuit open: not probed for \((until - now).shortDescription) more" + (last.map { "; \($0)" } ?? "")
        case .halfOpen:
            return "circuit half-open: probing again, needs \(record.circuit.successThreshold) passes in a row (has \(state.consecutiveSuccesses))"
        }
    }
}

/// An operator request the core cannot honour.
public enum OperatorError: Error, Hashable, Sendable, CustomStringConvertible {
    case unknownBackend(BackendID)
    case notQuarantined(BackendID)

    public var description: String {
        switch self {
        case .unknownBackend(let id): return "no backend \(id)"
        case .notQuarantined(let id): return "backend \(id) is not quarantined"
        }
    }
}
