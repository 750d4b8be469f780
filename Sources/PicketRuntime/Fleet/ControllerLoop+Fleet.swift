import Logging
import PicketCore
import PicketFleet

extension ControllerLoop {
    /// This node took or lost a Docker engine's lease: said once, and told to the core.
    mutating func leaseChanged(_ engine: DockerEngineName, token: Int?, scope: String, now: Instant) {
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

    /// Another node's operator action, carried out here through the core exactly as if it had come
    /// through this node's API (it is not shared again).
    mutating func takeIn(_ shared: FleetActions.Action, now: Instant) {
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
