/// Fleet mode: Docker actions belong to the node holding the engine's lease.
extension Reconciler {
    /// This node gained or lost the right to act on containers. Gaining it steps every recovery at
    /// once, so a recovery the previous holder left half done (it died) is taken up where this node's
    /// own verdicts say it stands; losing it holds recoveries that have not acted yet.
    public mutating func leaseChanged(held: Bool, now: Instant) -> [Effect] {
        guard held != mayActOnContainers else { return [] }
        mayActOnContainers = held
        return dueEffects(now: now)
    }
}

extension DockerActionResult {
    /// Nothing reached the container: the attempt does not count against the restart budget.
    var spentNothing: Bool {
        switch self {
        case .engineUnavailable, .notLeaseHolder: return true
        case .succeeded, .failed: return false
        }
    }
}
