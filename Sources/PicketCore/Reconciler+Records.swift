/// Every change to a backend's record goes through here, so that a change of rotation, whatever its
/// cause, is noticed in one place and reported once.
extension Reconciler {
    /// Changes one record and notes whether that moved it in or out of rotation.
    @discardableResult
    mutating func modify<T>(_ id: BackendID, now: Instant, _ body: (inout BackendRecord) -> T) -> T? {
        guard let index = records.index(forKey: id) else { return nil }
        return modify(id, at: index, now: now, body)
    }

    /// The same, for a record already found (an index stays valid while no record is added or removed).
    mutating func modify<T>(_ id: BackendID, at index: Int, now: Instant, _ body: (inout BackendRecord) -> T) -> T {
        let (result, moved) = visit(index) { record in
            let wasInRotation = record.inRotation
            let result = body(&record)
            return (result, record.inRotation != wasInRotation)
        }
        if moved { rotationChanged(id, now: now) }
        return result
    }

    /// Reads or changes a record where it lies in the table. Reading one through the table's getter
    /// copies it whole (every array and string in it retained and released), and this runs several times
    /// for every check.
    mutating func visit<T>(_ index: Int, _ body: (inout BackendRecord) -> T) -> T {
        body(&records[at: index])
    }

    /// A new backend: out of rotation until it is judged (or at once in, when it is not checked).
    mutating func insert(_ id: BackendID, _ record: BackendRecord, now: Instant) {
        records[id] = record
        if record.inRotation { rotationChanged(id, now: now) }
    }

    /// A backend that no longer exists: it leaves rotation now.
    mutating func remove(_ id: BackendID, now: Instant) {
        guard let record = records.removeValue(forKey: id) else { return }
        rampingBackends.remove(id)
        ejectedBackends.remove(id)
        guard record.inRotation else { return }
        let cause = removalCause(id)
        rotationChanges.append(RotationChange(backend: id, inRotation: false, reason: .removed(cause), at: now))
        noteRotationChange(now)
    }

    /// A backend that leaves is a container gone when its app discovers containers and the config does
    /// not list it itself.
    func removalCause(_ id: BackendID) -> RemovalCause {
        guard let app = configuredApps.first(where: { $0.name == id.app }), app.docker != nil else { return .removedFromConfig }
        return app.instances.contains { $0.address == id.address } ? .removedFromConfig : .containerGone
    }

    /// Records a rotation change for the end of the event, asks for an apply, and starts or stops a
    /// slow-start ramp.
    private mutating func rotationChanged(_ id: BackendID, now: Instant) {
        guard var record = records[id] else { return }
        record.ramp = record.inRotation && firstRoundComplete && rampWanted(id, record) ? SlowStartRamp(startedAt: now) : nil
        records[id] = record
        if record.ramp == nil { rampingBackends.remove(id) } else { rampingBackends.insert(id) }
        rotationChanges.append(RotationChange(backend: id, inRotation: record.inRotation, reason: record.rotation, at: now))
        noteRotationChange(now)
    }

    /// A rejoining server ramps only when its app has slow start and another server already serves:
    /// alone, its share is all the traffic whatever its weight.
    private func rampWanted(_ id: BackendID, _ record: BackendRecord) -> Bool {
        guard record.slowStartDuration != nil, let app = apps.first(where: { $0.name == id.app }) else { return false }
        return app.instances.contains { $0.address != id.address && records[BackendID(app: id.app, address: $0.address)]?.inRotation == true }
    }

    /// When the next ramp step is due.
    var nextRampStep: Instant? {
        rampingBackends.compactMap { id in records[id].flatMap { record in record.slowStartDuration.flatMap { record.ramp?.nextStepAt($0) } } }.min()
    }

    /// Advances every ramp whose next step has come; a ramp that reaches full weight ends.
    mutating func stepRamps(now: Instant) -> [Effect] {
        var effects: [Effect] = []
        for id in rampingBackends.sorted() {
            guard var record = records[id], var ramp = record.ramp, let duration = record.slowStartDuration else {
                rampingBackends.remove(id)
                continue
            }
            var stepped = false
            while ramp.step < SlowStart.steps, now >= ramp.nextStepAt(duration) {
                ramp.step += 1
                stepped = true
            }
            guard stepped else { continue }
            record.ramp = ramp.step < SlowStart.steps ? ramp : nil
            if record.ramp == nil { rampingBackends.remove(id) }
            records[id] = record
            noteRotationChange(now)
            effects.append(.record(.slowStartStep(id, step: ramp.step, of: SlowStart.steps)))
        }
        return effects
    }

    /// The rotation changes of this event, in the order they happened.
    mutating func drainRotationChanges() -> [Effect] {
        guard !rotationChanges.isEmpty else { return [] }
        defer { rotationChanges.removeAll() }
        return rotationChanges.map { .record(.rotation($0)) }
    }
}
