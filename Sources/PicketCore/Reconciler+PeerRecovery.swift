/// What another fleet node recorded of one backend's recovery: the restarts it made, in this run's
/// instants, and a quarantine, with the container they were about.
public struct PeerRecovery: Hashable, Sendable {
    public var id: BackendID
    public var container: String
    public var restarts: [Instant]
    public var quarantine: QuarantineReason?

    public init(id: BackendID, container: String, restarts: [Instant], quarantine: QuarantineReason?) {
        self.id = id
        self.container = container
        self.restarts = restarts
        self.quarantine = quarantine
    }
}

/// Fleet mode: restart budgets and quarantines are the fleet's, not one node's. Only the lease holder
/// acts, so when a node takes an engine's lease over it first takes in what the previous holders spent.
extension Reconciler {
    /// Other nodes' recovery history, taken in before `leaseChanged(held: true)`: their restarts of the
    /// same container count against this node's budget (a restart is counted once, however many nodes
    /// recorded it), and their quarantine of the same container stands here too. History about another
    /// container (replaced since) is ignored, as the core forgets a replaced container's recovery.
    /// Returns the backends whose budget or quarantine changed.
    public mutating func adoptPeerRecovery(_ peers: [PeerRecovery], now: Instant) -> (adopted: [BackendID], effects: [Effect]) {
        var adopted: [BackendID] = []
        for peer in peers {
            guard records[peer.id]?.container?.id == peer.container else { continue }
            let changed = modify(peer.id, now: now) { record -> Bool in
                let restarts = Self.merged(record.recovery.restarts, peer.restarts)
                var changed = restarts != record.recovery.restarts
                record.recovery.restarts = restarts
                if let reason = peer.quarantine, !record.recovery.phase.isQuarantined, !record.recovery.phase.isInFlight {
                    record.recovery.phase = .quarantined(since: now, reason: reason)
                    changed = true
                }
                return changed
            }
            if changed == true { adopted.append(peer.id) }
        }
        return (adopted, dueEffects(now: now))
    }

    /// Both lists of restarts in order, one restart recorded by two nodes (within a second) kept once.
    static func merged(_ own: [Instant], _ other: [Instant]) -> [Instant] {
        var result: [Instant] = []
        for restart in (own + other).sorted() where result.last.map({ restart - $0 >= .seconds(1) }) ?? true {
            result.append(restart)
        }
        return result
    }
}

extension RecoveryPhase {
    var isQuarantined: Bool {
        if case .quarantined = self { return true }
        return false
    }
}
