/// What Picket remembers of one backend across its own restarts, with times already converted to
/// this run's `Instant`s by the shell.
///
/// Restoring follows one rule: nothing that kept a backend out is forgotten. A backend that was out
/// (down, open, half-open) comes back as down or open and must pass its checks; an operator's drain
/// stays; a quarantine stays; the restart budget keeps its spent restarts. A backend that was up
/// still waits for a fresh verdict, as on any start, so nginx's file only changes if something did.
public struct SavedBackend: Hashable, Sendable {
    public enum Phase: String, Hashable, Sendable {
        case up, out
    }

    public var id: BackendID
    public var phase: Phase
    /// Set while the circuit was open: when its cooldown ends.
    public var openUntil: Instant?
    public var consecutiveFailures: Int
    public var reopenCount: Int
    public var operatorDrained: Bool
    public var restarts: [Instant]
    public var quarantineReason: String?

    public init(
        id: BackendID, phase: Phase, openUntil: Instant? = nil, consecutiveFailures: Int = 0, reopenCount: Int = 0, operatorDrained: Bool = false,
        restarts: [Instant] = [], quarantineReason: String? = nil
    ) {
        self.id = id
        self.phase = phase
        self.openUntil = openUntil
        self.consecutiveFailures = consecutiveFailures
        self.reopenCount = reopenCount
        self.operatorDrained = operatorDrained
        self.restarts = restarts
        self.quarantineReason = quarantineReason
    }
}

extension BackendState {
    /// The state a saved backend resumes in (see `SavedBackend`).
    init(restoring saved: SavedBackend, now: Instant) {
        switch saved.phase {
        case .up:
            self.init(phase: .pending, since: now)
        case .out:
            if let until = saved.openUntil, until > now {
                self.init(phase: .open(until: until), since: now)
            } else {
                self.init(phase: .down, since: now)
            }
            consecutiveFailures = saved.consecutiveFailures
            reopenCount = saved.reopenCount
        }
    }
}

extension BackendSnapshot {
    /// What to remember of this backend.
    public func saved(now: Instant) -> SavedBackend {
        let phase: SavedBackend.Phase = state.phase == .up || state.phase == .pending ? .up : .out
        var openUntil: Instant?
        if case .open(let until) = state.phase { openUntil = until }
        var quarantine: String?
        if case .quarantined(_, let reason) = recovery.phase { quarantine = reason }
        return SavedBackend(
            id: id, phase: phase, openUntil: openUntil, consecutiveFailures: state.consecutiveFailures, reopenCount: state.reopenCount,
            operatorDrained: operatorDrained, restarts: recovery.restarts, quarantineReason: quarantine)
    }
}
