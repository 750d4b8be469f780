import PicketCore

extension ControllerLoop {
    /// The state database opened after all (it could not be at start): from now on this run's state is
    /// written to it. What it remembered from before is not restored, since every backend has been
    /// judged afresh in the meantime.
    func attach(_ persistence: Persistence, now: Instant) {
        outlets.persistence = persistence
        outlets.persistenceFailure = nil
        let backends = core.backends
        for backend in backends { persistence.save(backend, now: now) }
        logger.notice("state database opened on retry: \(persistence.store.location); \(backends.count) backends saved, writing from now on",
            metadata: ["event": "persistence_recovered"])
    }
}
