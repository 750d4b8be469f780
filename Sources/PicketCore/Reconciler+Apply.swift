/// When and what to apply: coalescing, retries after failures, periodic resync.
extension Reconciler {
    mutating func noteRotationChange(_ now: Instant) {
        coalescer.noteChange(at: now)
    }

    /// When the next apply may start, if one is wanted.
    var applyDeadline: Instant? {
        guard firstRoundComplete, inFlight == nil else { return nil }
        let wanted = [coalescer.deadline, nextResync].compactMap { $0 }.min()
        guard let wanted else { return nil }
        return retryAt.map { max($0, wanted) } ?? wanted
    }

    mutating func planApply(now: Instant) -> [Effect] {
        guard let deadline = applyDeadline, deadline <= now else { return [] }
        let desired = withoutRejected(desiredUpstreams)
        let changed = coalescer.isPending
        coalescer.reset()
        nextResync = now + settings.resyncInterval
        let reason: ApplyPlan.Reason
        if retryAt != nil {
            reason = .retry
        } else if applied == nil {
            reason = .firstRound
        } else if changed, desired != applied {
            reason = .change
        } else if changed {
            return []
        } else {
            reason = .resync
        }
        let observations = trackAllDown(desired)
        let plan = ApplyPlan(upstreams: desired, changes: UpstreamChange.between(applied, desired, reason: changeReason), reason: reason)
        inFlight = plan
        return observations.map(Effect.record) + [.apply(plan)]
    }

    /// The desired set with each app whose upstream nginx refused kept at its last accepted upstream,
    /// for as long as the app still wants exactly what was refused (level-triggered: any change to it
    /// is tried again).
    private mutating func withoutRejected(_ desired: UpstreamSet) -> UpstreamSet {
        guard !rejectedUpstreams.isEmpty else { return desired }
        let names = Set(desired.upstreams.map(\.name))
        rejectedUpstreams = rejectedUpstreams.filter { names.contains($0.key) }
        var set = desired
        for index in set.upstreams.indices {
            let name = set.upstreams[index].name
            guard let refused = rejectedUpstreams[name] else { continue }
            if set.upstreams[index] == refused, let accepted = applied?.upstreams.first(where: { $0.name == name }) {
                set.upstreams[index] = accepted
            } else {
                rejectedUpstreams[name] = nil
            }
        }
        return set
    }

    /// Notes which apps entered or left the all-down state, for the log.
    private mutating func trackAllDown(_ desired: UpstreamSet) -> [Observation] {
        var observations: [Observation] = []
        for upstream in desired.upstreams {
            if let allDown = upstream.allDown, !allDownApps.contains(upstream.name) {
                allDownApps.insert(upstream.name)
                observations.append(.allDown(app: upstream.name, allDown))
            } else if upstream.allDown == nil, allDownApps.contains(upstream.name) {
                allDownApps.remove(upstream.name)
                observations.append(.allDownCleared(app: upstream.name))
            }
        }
        return observations
    }

    /// Why a server joins or leaves the file: its rotation, unless the app's all-down policy decided.
    func changeReason(_ app: AppName, _ address: ServerAddress, _ direction: UpstreamChange.Direction) -> UpstreamChange.Reason {
        let id = BackendID(app: app, address: address)
        guard let record = records[id] else { return .rotation(.removed(removalCause(id))) }
        if allDownApps.contains(app), let policy = apps.first(where: { $0.name == app })?.whenAllDown {
            return .allDown(policy)
        }
        return .rotation(record.rotation)
    }
}
