/// What Picket remembers of one backend across its own restarts, with times already converted to
/// this run's `Instant`s by the shell.
///
/// Restoring follows one rule: nothing that kept a backend out is forgotten, and nothing delays its
/// return once it is healthy. A backend that was out comes back down (its circuit open if it was) and
/// is probed at its down interval, so it rejoins after `success_threshold` passes; an operator's drain
/// stays; a quarantine stays; the restart budget keeps its spent restarts; flaps stay counted. A backend
/// that was up still waits for a fresh verdict, as on any start, so nginx's file only changes if
/// something did.
public struct SavedBackend: Hashable, Sendable {
    public enum Phase: String, Hashable, Sendable {
        case up, out
    }

    public var id: BackendID
    public var phase: Phase
    public var circuitOpen: Bool
    public var consecutiveFailures: Int
    public var flaps: Int
    public var operatorDrained: Bool
    public var restarts: [Instant]
    public var quarantine: QuarantineReason?

    public init(
        id: BackendID, phase: Phase, circuitOpen: Bool = false, consecutiveFailures: Int = 0, flaps: Int = 0, operatorDrained: Bool = false,
        restarts: [Instant] = [], quarantine: QuarantineReason? = nil
    ) {
        self.id = id
        self.phase = phase
        self.circuitOpen = circuitOpen
        self.consecutiveFailures = consecutiveFailures
        self.flaps = flaps
        self.operatorDrained = operatorDrained
        self.restarts = restarts
        self.quarantine = quarantine
    }
}

extension BackendState {
    /// The state a saved backend resumes in (see `SavedBackend`).
    init(restoring saved: SavedBackend, now: Instant) {
        self.init(phase: saved.phase == .up ? .pending : .down, since: now)
        flaps = saved.flaps
        if saved.phase == .out {
            consecutiveFailures = saved.consecutiveFailures
            if saved.circuitOpen { resumeOpenCircuit(now: now) }
        }
    }
}

extension BackendSnapshot {
    /// What to remember of this backend.
    public func saved() -> SavedBackend {
        var quarantine: QuarantineReason?
        if case .quarantined(_, let reason) = recovery.phase { quarantine = reason }
        return SavedBackend(
            id: id, phase: state.phase == .down ? .out : .up, circuitOpen: state.circuit != .closed,
            consecutiveFailures: state.consecutiveFailures, flaps: state.flaps, operatorDrained: operatorDrained, restarts: recovery.restarts,
            quarantine: quarantine)
    }
}
