import Logging
import PicketCore
import PicketFleet
import PicketStore

extension ControllerLoop {
    /// This node took or lost a Docker engine's lease: said once, and told to the core.
    func leaseChanged(_ engine: DockerEngineName, token: Int?, scope: String, now: Instant) {
        let named = engine == .default ? "the Docker engine" : "Docker engine \(engine)"
        if let token {
            logger.notice("this node holds the lease on \(named) (\(scope), fencing token \(token)): it acts on its containers",
                metadata: ["event": "lease_acquired", "engine": "\(engine)", "token": "\(token)"])
        } else {
            logger.notice("this node does not hold the lease on \(named) (\(scope)): another node acts on its containers",
                metadata: ["event": "lease_lost", "engine": "\(engine)"])
        }
        perform(core.leaseChanged(engine: engine, held: token != nil, now: now))
    }

    /// The restarts and quarantines other nodes recorded, taken in before this node acts on an engine it
    /// has just taken over: the budget and the quarantines are the fleet's. Said when it changed anything.
    func adoptPeerRecovery(_ rows: [StoredBackend], now: Instant) {
        let clock = WallClock(now: now)
        let peers = rows.compactMap { row -> PeerRecovery? in
            guard let container = row.container, let app = try? AppName(validating: row.app), let address = try? ServerAddress(validating: row.address) else {
                return nil
            }
            return PeerRecovery(
                id: BackendID(app: app, address: address), container: container, restarts: row.restarts.map(clock.instant),
                quarantine: row.quarantineReason.map(QuarantineReason.remembered))
        }
        let (adopted, effects) = core.adoptPeerRecovery(peers, now: now)
        if !adopted.isEmpty {
            logger.notice(
                "took in the restarts and quarantines other nodes recorded for \(adopted.count) backends (\(adopted.map(\.description).joined(separator: ", "))): the fleet's budget, not this node's alone",
                metadata: ["event": "peer_recovery_adopted", "backends": "\(adopted.count)"])
        }
        perform(effects)
    }

    /// Another node's operator action, carried out here through the core exactly as if it had come
    /// through this node's API (it is not shared again).
    func takeIn(_ shared: FleetActions.Action, now: Instant) {
        guard let action = OperatorAction(rawValue: shared.action), let app = try? AppName(validating: shared.app),
            let address = try? ServerAddress(validating: shared.address)
        else {
            logger.warning("ignored operator action #\(shared.id) from node \(shared.node): '\(shared.action)' on '\(shared.address)' (\(shared.app)) is not one this version knows",
                metadata: ["event": "fleet_action_ignored"])
            return
        }
        let metadata: Logger.Metadata = ["event": "fleet_action", "node": "\(shared.node)", "action": "\(action.rawValue)", "backend.id": "\(address)"]
        switch execute(action, on: BackendID(app: app, address: address), now: now) {
        case .done:
            logger.notice("operator action from node \(shared.node): \(action.rawValue) \(address) (\(app))", metadata: metadata)
        case .notFound(let reason), .conflict(let reason):
            logger.info("operator action from node \(shared.node) changes nothing here: \(action.rawValue) \(address) (\(app)): \(reason)", metadata: metadata)
        }
    }
}
