import PicketCore
import PicketProbes

/// One round of checks outside the control loop, for `picket check` and `picket render --probe`.
public enum OneRound {
    public struct Result: Sendable {
        public let backend: BackendID
        public let outcome: ProbeOutcome
        public let attempts: Int
    }

    /// Probes every backend once (with its app's retries), concurrently; results in config order. A
    /// container's `picket.health.path` label overrides its app's HTTP path, as in the controller.
    public static func probe(
        _ apps: [AppSpec], containers: [BackendID: ContainerObservation] = [:], maxConcurrent: Int
    ) async throws(ProbeSystemError) -> [Result] {
        let engine = try ProbeEngine(maxConcurrent: maxConcurrent)
        defer { engine.shutdown() }
        let targets = apps.flatMap { app in app.instances.map { (app, $0) } }
        return await withTaskGroup(of: (Int, Result).self) { tasks in
            for (index, (app, instance)) in targets.enumerated() {
                tasks.addTask {
                    let id = BackendID(app: app.name, address: instance.address)
                    let check = app.healthCheck.overridden(by: containers[id]?.checkOverrides)
                    let target = check.target(for: instance.address)
                    var attempt = 0
                    while true {
                        let request = ProbeRequest(backend: id, target: target, check: check, attempt: attempt, ticket: 0, dueAt: MonotonicClock.now())
                        let outcome = await engine.probe(request)
                        if outcome.passed || attempt >= check.maxRetries {
                            return (index, Result(backend: id, outcome: outcome, attempts: attempt + 1))
                        }
                        attempt += 1
                    }
                }
            }
            var results: [(Int, Result)] = []
            for await result in tasks { results.append(result) }
            return results.sorted { $0.0 < $1.0 }.map(\.1)
        }
    }
}
