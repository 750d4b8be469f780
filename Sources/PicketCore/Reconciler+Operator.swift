/// What an operator can do to a running Picket (through the status API): drain or undrain a backend,
/// and release it from quarantine.
extension Reconciler {
    /// Takes a backend out of rotation (or puts it back) without a config change. It keeps being
    /// checked, so its health is known when it returns; the change goes through the normal apply.
    public mutating func setOperatorDrain(_ id: BackendID, drained: Bool, now: Instant) throws(OperatorError) -> [Effect] {
        guard let record = records[id] else { throw .unknownBackend(id) }
        guard record.operatorDrained != drained else { return [] }
        modify(id, now: now) { $0.operatorDrained = drained }
        return [.record(.operatorDrain(id, drained: drained))] + dueEffects(now: now)
    }

    /// Releases a backend from quarantine and starts a fresh recovery episode with an empty budget.
    public mutating func resetRecovery(_ id: BackendID, now: Instant) throws(OperatorError) -> [Effect] {
        guard let record = records[id] else { throw .unknownBackend(id) }
        guard case .quarantined = record.recovery.phase else { throw .notQuarantined(id) }
        modify(id, now: now) { $0.recovery = RecoveryState() }
        let event = RecoveryEvent(backend: id, container: record.container?.name ?? "", kind: .released(.operatorReset))
        return [.record(.recovery(event))] + dueEffects(now: now)
    }

    /// Backends drained through the API, for persistence and status.
    public var operatorDrained: [BackendID] {
        records.entries.filter { $0.1.operatorDrained }.map(\.0).sorted()
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
