/// Container recovery: triggers, the drain → restart → recreate → quarantine ladder, budgets and backoff.
extension Reconciler {
    /// The shell finished a Docker action. Stale tickets (the backend left, or a newer action) are ignored.
    public mutating func dockerActionFinished(_ command: DockerCommand, result: DockerActionResult, now: Instant) -> [Effect] {
        guard var record = records[command.backend], case .acting(let action, let ticket, let since) = record.recovery.phase,
            ticket == command.ticket, let policy = policy(for: command.backend)
        else { return [] }
        var effects: [Effect] = [.record(.recovery(RecoveryEvent(
            backend: command.backend, container: command.containerName, trigger: command.reason,
            kind: .actionFinished(action, result, duration: now - since))))]
        switch result {
        case .succeeded(let newContainerID):
            record.recovery.lastFinished = now
            if action == .recreate {
                record.recovery.recreated = true
                if let newContainerID { record.container?.id = newContainerID }
            }
            record.recovery.phase = .verifying(since: now)
            record.recovery.openSince = nil
            record.inFlightTicket = nil
            let change = record.state.containerRestarted(now: now)
            records[command.backend] = record
            if let change {
                effects.append(transition(command.backend, change, cause: .containerRestarted(action), wasInRotation: false, now: now))
            }
            if record.check.enabled { schedule(command.backend, at: now + record.check.interval) }
        case .failed(let message) where action == .recreate:
            records[command.backend] = record
            effects.append(quarantine(command.backend, reason: "recreate failed: \(message)", now: now))
        case .failed:
            record.recovery.failedAttempts += 1
            record.recovery.notBefore = now + policy.backoff.delay(attempt: record.recovery.failedAttempts - 1, random: &random)
            record.recovery.phase = .idle
            records[command.backend] = record
        case .engineUnavailable:
            if action == .restart, !record.recovery.restarts.isEmpty { record.recovery.restarts.removeLast() }
            record.recovery.failedAttempts += 1
            record.recovery.notBefore = now + policy.backoff.delay(attempt: record.recovery.failedAttempts - 1, random: &random)
            record.recovery.phase = .idle
            records[command.backend] = record
        }
        noteRotationChange(now)
        return effects + dueEffects(now: now)
    }

    /// Takes in what the latest listing says about a backend's container. A container replaced from
    /// outside (a new id Picket did not create) is a new instance: it starts a new episode, leaves
    /// quarantine, and must pass its checks again.
    mutating func observeContainer(_ id: BackendID, _ container: ContainerObservation?, now: Instant) -> [Effect] {
        guard var record = records[id] else { return [] }
        let previous = record.container
        record.container = container
        record.containerSeenAt = container.map { _ in containersListedAt }
        guard let container, let previous, previous.id != container.id else {
            records[id] = record
            return []
        }
        if case .acting = record.recovery.phase {
            records[id] = record
            return []
        }
        var effects: [Effect] = []
        let wasInRotation = record.inRotation
        if case .quarantined = record.recovery.phase {
            effects.append(.record(.recovery(RecoveryEvent(backend: id, container: container.name, trigger: "container replaced", kind: .released))))
        }
        record.recovery = RecoveryState()
        record.inFlightTicket = nil
        let change = record.state.containerRestarted(now: now)
        records[id] = record
        if let change {
            effects.append(transition(id, change, cause: .containerReplaced, wasInRotation: wasInRotation, now: now))
        }
        if record.check.enabled { schedule(id, at: now + record.check.initialDelay) }
        return effects
    }

    /// One recovery step for every container backend, then the next instant a step is due.
    mutating func recoveryEffects(now: Instant) -> [Effect] {
        guard !containerBackends.isEmpty else { return [] }
        var effects: [Effect] = []
        for id in containerBackends { effects += stepRecovery(id, now: now) }
        recoveryWake = containerBackends.compactMap { nextRecoveryStep(for: $0, after: now) }.min()
        return effects
    }

    private func policy(for id: BackendID) -> RecoveryPolicy? {
        apps.first { $0.name == id.app }.flatMap { $0.docker == nil ? nil : $0.recovery }
    }

    private mutating func stepRecovery(_ id: BackendID, now: Instant) -> [Effect] {
        guard var record = records[id], let container = record.container, let policy = policy(for: id), policy.enabled else { return [] }
        let wasInRotation = record.inRotation
        if record.state.phase.circuitName == "closed" {
            record.recovery.openSince = nil
        } else if record.recovery.openSince == nil {
            record.recovery.openSince = now
        }
        records[id] = record
        var effects: [Effect] = []
        switch record.recovery.phase {
        case .quarantined, .acting:
            break
        case .draining(let until, let action):
            if now >= until { effects.append(act(id, action, now: now)) }
        case .verifying:
            if record.state.phase.isUp {
                records[id]!.recovery.phase = .idle
                records[id]!.recovery.endEpisode()
                effects.append(.record(.recovery(RecoveryEvent(backend: id, container: container.name, trigger: nil, kind: .recovered))))
            } else if let trigger = trigger(record, policy: policy, now: now) {
                records[id]!.recovery.failedAttempts += 1
                records[id]!.recovery.notBefore = now + policy.backoff.delay(attempt: record.recovery.failedAttempts, random: &random)
                records[id]!.recovery.phase = .idle
                effects.append(.record(.recovery(RecoveryEvent(backend: id, container: container.name, trigger: trigger, kind: .didNotHelp))))
            }
        case .idle:
            if let trigger = trigger(record, policy: policy, now: now) {
                effects += begin(id, trigger: trigger, policy: policy, now: now)
            }
        }
        if records[id]!.inRotation != wasInRotation { noteRotationChange(now) }
        return effects
    }

    /// Why this backend needs recovering now, if it does. Container states count only from listings
    /// taken after Picket's last successful action, so a listing from before a restart cannot trigger
    /// another.
    private func trigger(_ record: BackendRecord, policy: RecoveryPolicy, now: Instant) -> String? {
        if let container = record.container, let seen = record.containerSeenAt,
            record.recovery.lastFinished.map({ seen > $0 }) ?? true
        {
            if container.hasExited { return "container \(container.state.rawValue)" }
            if container.health == .unhealthy { return "docker healthcheck unhealthy" }
        }
        if let since = record.recovery.openSince, now - since >= policy.afterOpen {
            return "circuit \(record.state.phase.circuitName)" + (policy.afterOpen > .zero ? " for \((now - since).shortDescription)" : "")
        }
        if let failures = policy.afterFailures, record.state.consecutiveFailures >= failures {
            return "\(record.state.consecutiveFailures) failed checks in a row"
        }
        return nil
    }

    /// Starts an episode's next attempt if the budget, the backoff and the app's other replicas allow.
    private mutating func begin(_ id: BackendID, trigger: String, policy: RecoveryPolicy, now: Instant) -> [Effect] {
        var record = records[id]!
        if let notBefore = record.recovery.notBefore, now < notBefore { return [] }
        let siblings = containerBackends.filter { $0.app == id.app && $0 != id }.compactMap { records[$0] }
        guard siblings.filter({ $0.recovery.phase.isInFlight }).count < policy.maxInFlight else { return [] }
        if record.state.phase.isUp, !records.contains(where: { $0.key.app == id.app && $0.key != id && $0.value.inRotation }) { return [] }
        record.recovery.pruneRestarts(window: policy.restartWindow, now: now)
        record.recovery.trigger = trigger
        let action: RecoveryAction
        if record.recovery.restarts.count < policy.maxRestarts {
            action = .restart
            record.recovery.restarts.append(now)
        } else if policy.recreate, !record.recovery.recreated {
            action = .recreate
        } else {
            records[id] = record
            let spent = "\(policy.maxRestarts) restarts within \(policy.restartWindow.shortDescription)" + (policy.recreate ? " and a recreate" : "")
            return [quarantine(id, reason: "\(spent) did not bring it back (\(trigger))", now: now)]
        }
        let serving = record.inRotation || applied?.servingAddresses[id.app]?.contains(id.address) == true
        let draining = serving && record.container?.hasExited == false && policy.drainTimeout > .zero
        let name = record.container?.name ?? id.description
        records[id] = record
        let started: Effect = .record(.recovery(RecoveryEvent(backend: id, container: name, trigger: trigger, kind: .started(action, draining: draining))))
        guard draining else { return [started, act(id, action, now: now)] }
        records[id]!.recovery.phase = .draining(until: now + policy.drainTimeout, action: action)
        return [started]
    }

    private mutating func act(_ id: BackendID, _ action: RecoveryAction, now: Instant) -> Effect {
        let ticket = nextTicket
        nextTicket += 1
        records[id]!.recovery.phase = .acting(action, ticket: ticket, since: now)
        let record = records[id]!
        return .docker(DockerCommand(
            ticket: ticket, backend: id, containerID: record.container?.id ?? "", containerName: record.container?.name ?? "",
            action: action, stopTimeout: policy(for: id)?.stopTimeout ?? .seconds(10), reason: record.recovery.trigger ?? ""))
    }

    private mutating func quarantine(_ id: BackendID, reason: String, now: Instant) -> Effect {
        records[id]!.recovery.phase = .quarantined(since: now, reason: reason)
        noteRotationChange(now)
        return .record(.recovery(RecoveryEvent(backend: id, container: records[id]!.container?.name ?? "", trigger: reason, kind: .quarantined)))
    }

    /// When this backend's recovery next has something to do, strictly after `now`.
    private func nextRecoveryStep(for id: BackendID, after now: Instant) -> Instant? {
        guard let record = records[id], let policy = policy(for: id), policy.enabled else { return nil }
        var candidates: [Instant] = []
        switch record.recovery.phase {
        case .draining(let until, _): candidates.append(until)
        case .idle, .verifying:
            if let notBefore = record.recovery.notBefore { candidates.append(notBefore) }
            if let since = record.recovery.openSince { candidates.append(since + policy.afterOpen) }
        case .acting, .quarantined: break
        }
        return candidates.filter { $0 > now }.min()
    }
}
