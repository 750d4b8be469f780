/// Fleet mode: the containers of a Docker engine are acted on by the node holding that engine's lease.
extension Reconciler {
    /// From now on, act only on engines whose lease this node holds (none yet): a fleet node starting.
    public mutating func requireLeases() {
        leasedEngines = leasedEngines ?? []
    }

    /// This node gained or lost the right to act on `engine`'s containers. Gaining it steps every
    /// recovery at once, so a recovery the previous holder left half done (it died) is taken up where
    /// this node's own verdicts say it stands; losing it holds recoveries that have not acted yet.
    public mutating func leaseChanged(engine: DockerEngineName, held: Bool, now: Instant) -> [Effect] {
        guard var leased = leasedEngines, leased.contains(engine) != held else { return [] }
        if held { leased.insert(engine) } else { leased.remove(engine) }
        leasedEngines = leased
        return dueEffects(now: now)
    }

    /// The container backends this node may act on now.
    var actionableContainers: [BackendID] {
        guard let leasedEngines else { return containerBackends }
        let engines = Dictionary(apps.compactMap { app in app.docker.map { (app.name, $0.engine) } }, uniquingKeysWith: { first, _ in first })
        return containerBackends.filter { engines[$0.app].map(leasedEngines.contains) ?? false }
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
