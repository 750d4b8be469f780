/// Container recovery: triggers, the drain → restart → recreate → quarantine ladder, budgets and backoff.
extension Reconciler {
    /// How long a recovery waits for nginx to confirm a drain before it acts anyway (applies failing).
    public static let drainConfirmationLimit: Duration = .seconds(30)

    /// The shell finished a Docker action. Stale tickets (the backend left, or a newer action) are ignored.
    public mutating func dockerActionFinished(_ command: DockerCommand, result: DockerActionResult, now: Instant) -> [Effect] {
        guard let record = records[command.backend], case .acting(let action, _, let ticket, let since) = record.recovery.phase,
            ticket == command.ticket, let policy = policy(for: command.backend)
        else { return [] }
        var effects: [Effect] = [.record(.recovery(RecoveryEvent(
            backend: command.backend, container: command.containerName, kind: .actionFinished(action, result, duration: now - since))))]
        switch result {
        case .succeeded(let newContainerID):
            let change = modify(command.backend, now: now) { record -> HealthChange? in
                record.recovery.lastFinished = now
                if action == .recreate {
                    record.recovery.recreated = true
                    if let newContainerID { record.container?.id = newContainerID }
                }
                record.recovery.phase = .verifying(since: now)
                record.inFlight.removeAll()
                return record.state.containerRestarted(now: now)
            } ?? nil
            if let change {
                effects.append(transition(command.backend, change, cause: .containerRestarted(action), now: now))
            }
            if record.check.enabled { schedule(command.backend, at: now + record.check.interval) }
        case .failed(let message) where action == .recreate:
            effects.append(quarantine(command.backend, reason: .recreateFailed(message), now: now))
        case .failed, .engineUnavailable, .notLeaseHolder:
            let delay = policy.backoff.delay(attempt: record.recovery.failedAttempts, random: &random)
            modify(command.backend, now: now) { record in
                if result.spentNothing, action == .restart, !record.recovery.restarts.isEmpty { record.recovery.restarts.removeLast() }
                record.recovery.failedAttempts += 1
                record.recovery.notBefore = now + delay
                record.recovery.phase = .idle
            }
        }
        return effects + dueEffects(now: now)
    }

    /// Takes in what the latest listing says about a backend's container. A container replaced from
    /// outside (a new id Picket did not create) is a new instance: it starts a new episode, leaves
    /// quarantine, and must pass its checks again.
    mutating func observeContainer(_ id: BackendID, _ container: ContainerObservation?, now: Instant) -> [Effect] {
        guard let record = records[id] else { return [] }
        let previous = record.container
        let replaced = container != nil && previous != nil && previous?.id != container?.id
        let acting: Bool
        if case .acting = record.recovery.phase { acting = true } else { acting = false }
        var effects: [Effect] = []
        if replaced, !acting, let container, case .quarantined = record.recovery.phase {
            effects.append(.record(.recovery(RecoveryEvent(backend: id, container: container.name, kind: .released(.containerReplaced)))))
        }
        let seenAt = container.map { _ in containersListedAt }
        let change = modify(id, now: now) { record -> HealthChange? in
            record.container = container
            record.containerSeenAt = seenAt
            guard replaced, !acting else { return nil }
            record.recovery = RecoveryState()
            record.inFlight.removeAll()
            return record.state.containerRestarted(now: now)
        } ?? nil
        if let change {
            effects.append(transition(id, change, cause: .containerReplaced, now: now))
        }
        if replaced, !acting, record.check.enabled { schedule(id, at: now + record.check.initialDelay) }
        return effects
    }

    /// One recovery step for every container backend, then the next instant a step is due.
    mutating func recoveryEffects(now: Instant) -> [Effect] {
        let actionable = actionableContainers
        var effects: [Effect] = []
        for id in actionable { effects += stepRecovery(id, now: now) }
        recoveryWake = actionable.compactMap { nextRecoveryStep(for: $0, after: now) }.min()
        return effects
    }

    /// nginx applied (or is applying) a file that serves this backend.
    private func nginxServes(_ id: BackendID) -> Bool {
        [applied, inFlight?.upstreams].contains { $0?.servingAddresses[id.app]?.contains(id.address) == true }
    }

    /// An apply succeeded: drains it confirms start their wait now.
    mutating func confirmDrains(_ upstreams: UpstreamSet, now: Instant) {
        for id in containerBackends {
            guard case .draining(let action, let trigger, let since, nil) = records[id]?.recovery.phase, let policy = policy(for: id),
                upstreams.servingAddresses[id.app]?.contains(id.address) != true
            else { continue }
            records[id]!.recovery.phase = .draining(action: action, trigger: trigger, since: since, until: now + policy.drainTimeout)
        }
    }

    private func policy(for id: BackendID) -> RecoveryPolicy? {
        apps.first { $0.name == id.app }.flatMap { $0.docker == nil ? nil : $0.recovery }
    }

    private mutating func stepRecovery(_ id: BackendID, now: Instant) -> [Effect] {
        guard let record = records[id], let container = record.container, let policy = policy(for: id), policy.enabled else { return [] }
        switch record.recovery.phase {
        case .quarantined, .acting:
            return []
        case .draining(let action, let trigger, let since, let until):
            if let until {
                return now >= until ? [act(id, action, trigger: trigger, now: now)] : []
            }
            if !nginxServes(id) {
                records[id]!.recovery.phase = .draining(action: action, trigger: trigger, since: since, until: now + policy.drainTimeout)
                return policy.drainTimeout > .zero ? [] : [act(id, action, trigger: trigger, now: now)]
            }
            guard now - since >= Self.drainConfirmationLimit else { return [] }
            let unconfirmed = RecoveryEvent(backend: id, container: container.name, kind: .drainUnconfirmed(action, waited: now - since))
            return [.record(.recovery(unconfirmed)), act(id, action, trigger: trigger, now: now)]
        case .verifying:
            if record.state.phase == .up {
                modify(id, now: now) {
                    $0.recovery.phase = .idle
                    $0.recovery.endEpisode()
                }
                return [.record(.recovery(RecoveryEvent(backend: id, container: container.name, kind: .recovered)))]
            } else if let trigger = trigger(record, policy: policy, now: now) {
                let delay = policy.backoff.delay(attempt: record.recovery.failedAttempts + 1, random: &random)
                modify(id, now: now) {
                    $0.recovery.failedAttempts += 1
                    $0.recovery.notBefore = now + delay
                    $0.recovery.phase = .idle
                }
                return [.record(.recovery(RecoveryEvent(backend: id, container: container.name, kind: .didNotHelp(trigger))))]
            }
            return []
        case .idle:
            return trigger(record, policy: policy, now: now).map { begin(id, trigger: $0, policy: policy, now: now) } ?? []
        }
    }

    /// Why this backend needs recovering now, if it does. Container states count only from listings
    /// taken after Picket's last successful action, so a listing from before a restart cannot trigger
    /// another.
    private func trigger(_ record: BackendRecord, policy: RecoveryPolicy, now: Instant) -> RecoveryTrigger? {
        if let container = record.container, let seen = record.containerSeenAt,
            record.recovery.lastFinished.map({ seen > $0 }) ?? true
        {
            if container.hasExited { return .containerStopped(container.state) }
            if container.health == .unhealthy { return .dockerUnhealthy }
        }
        if record.state.circuit != .closed, let openedAt = record.state.circuitOpenedAt, now - openedAt >= policy.afterOpen {
            return .circuitOpen(for: now - openedAt)
        }
        if let failures = policy.afterFailures, record.state.consecutiveFailures >= failures {
            return .failedChecks(record.state.consecutiveFailures)
        }
        return nil
    }

    /// Starts an episode's next attempt if the budget, the backoff and the app's other replicas allow.
    private mutating func begin(_ id: BackendID, trigger: RecoveryTrigger, policy: RecoveryPolicy, now: Instant) -> [Effect] {
        let record = records[id]!
        if let notBefore = record.recovery.notBefore, now < notBefore { return [] }
        let siblings = containerBackends.filter { $0.app == id.app && $0 != id }.compactMap { records[$0] }
        guard siblings.filter({ $0.recovery.phase.isInFlight }).count < policy.maxInFlight else { return [] }
        if record.state.phase == .up, !records.entries.contains(where: { $0.0.app == id.app && $0.0 != id && $0.1.inRotation }) { return [] }
        var recovery = record.recovery
        recovery.pruneRestarts(window: policy.restartWindow, now: now)
        recovery.trigger = trigger
        let action: RecoveryAction
        if recovery.restarts.count < policy.maxRestarts {
            action = .restart
            recovery.restarts.append(now)
        } else if policy.recreate, !recovery.recreated {
            action = .recreate
        } else {
            records[id]!.recovery = recovery
            let reason = QuarantineReason.budgetSpent(restarts: policy.maxRestarts, window: policy.restartWindow, recreated: policy.recreate, trigger: trigger)
            return [quarantine(id, reason: reason, now: now)]
        }
        let serving = record.inRotation || nginxServes(id)
        let draining = serving && record.container?.hasExited == false && policy.drainTimeout > .zero
        let name = record.container?.name ?? id.description
        records[id]!.recovery = recovery
        let started: Effect = .record(.recovery(RecoveryEvent(backend: id, container: name, kind: .started(action, trigger, draining: draining))))
        guard draining else { return [started, act(id, action, trigger: trigger, now: now)] }
        modify(id, now: now) { $0.recovery.phase = .draining(action: action, trigger: trigger, since: now, until: nil) }
        return [started]
    }

    private mutating func act(_ id: BackendID, _ action: RecoveryAction, trigger: RecoveryTrigger, now: Instant) -> Effect {
        let ticket = nextTicket
        nextTicket += 1
        modify(id, now: now) { $0.recovery.phase = .acting(action, trigger: trigger, ticket: ticket, since: now) }
        let record = records[id]!
        return .docker(DockerCommand(
            ticket: ticket, backend: id, containerID: record.container?.id ?? "", containerName: record.container?.name ?? "",
            action: action, stopTimeout: policy(for: id)?.stopTimeout ?? .seconds(10), trigger: trigger))
    }

    private mutating func quarantine(_ id: BackendID, reason: QuarantineReason, now: Instant) -> Effect {
        modify(id, now: now) { $0.recovery.phase = .quarantined(since: now, reason: reason) }
        return .record(.recovery(RecoveryEvent(backend: id, container: records[id]!.container?.name ?? "", kind: .quarantined(reason))))
    }

    /// When this backend's recovery next has something to do, strictly after `now`.
    private func nextRecoveryStep(for id: BackendID, after now: Instant) -> Instant? {
        guard let record = records[id], let policy = policy(for: id), policy.enabled else { return nil }
        var candidates: [Instant] = []
        switch record.recovery.phase {
        case .draining(_, _, let since, let until):
            candidates.append(until ?? since + Self.drainConfirmationLimit)
        case .idle, .verifying:
            if let notBefore = record.recovery.notBefore { candidates.append(notBefore) }
            if record.state.circuit != .closed, let openedAt = record.state.circuitOpenedAt { candidates.append(openedAt + policy.afterOpen) }
        case .acting, .quarantined: break
        }
        return candidates.filter { $0 > now }.min()
    }
}
