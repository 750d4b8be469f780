/// Passive outlier detection: real users' requests, as nginx logged them, eject a failing backend
/// between two probes.
extension Reconciler {
    /// nginx's traffic since the last batch, per backend. A backend already ejected ignores late reports.
    public mutating func passiveReported(_ tallies: [BackendID: PassiveTally], now: Instant) -> [Effect] {
        var effects: [Effect] = []
        for (id, tally) in tallies.sorted(by: { $0.key < $1.key }) {
            guard var passive = records[id]?.passive, let spec = records[id]?.passiveSpec, spec.enabled, passive.ejection == nil else { continue }
            guard let (rule, count, requests) = passive.take(tally, spec: spec, now: now) else {
                records[id]!.passive = passive
                continue
            }
            let ejected = ejectedBackends.filter { $0.app == id.app }.count
            let backends = apps.first { $0.name == id.app }?.instances.count ?? 1
            guard ejected < spec.maxEjected(of: backends) else {
                if !passive.heldByLimit { effects.append(.record(.passiveEjectionHeld(id, rule, ejected: ejected))) }
                passive.heldByLimit = true
                records[id]!.passive = passive
                continue
            }
            let ejection = passive.eject(rule, count: count, requests: requests, lastFailure: tally.lastFailure, spec: spec, now: now)
            modify(id, now: now) { $0.passive = passive }
            // Due now, not after `coalesce.quiet`: a backend taking 200 req/s would fail 10 more users
            // in 50 ms. Ejections from one batch still leave in one apply.
            coalescer.noteUrgentChange(at: now)
            ejectedBackends.insert(id)
            effects.append(.record(.passiveEjection(id, ejection)))
        }
        return effects + dueEffects(now: now)
    }

    /// When the next passive ejection ends.
    var nextEjectionEnd: Instant? {
        ejectedBackends.compactMap { records[$0]?.passive.ejection?.until }.min()
    }

    /// Ends every ejection whose time is over; the backend returns if its active checks pass.
    mutating func endEjections(now: Instant) {
        for id in ejectedBackends.sorted() where records[id]?.passive.ejection.map({ now >= $0.until }) ?? true {
            ejectedBackends.remove(id)
            modify(id, now: now) { $0.passive.endEjection(now: now) }
        }
    }
}
