import PicketCore
import PicketProbes

/// A probe engine for one test, stopped when the test lets go of it.
final class Prober: Sendable {
    let engine: ProbeEngine

    init(maxConcurrent: Int = 8) throws {
        engine = try ProbeEngine(maxConcurrent: maxConcurrent)
    }

    deinit {
        engine.shutdown()
    }

    func probe(_ address: String, _ check: HealthCheckSpec, ticket: UInt64 = 1) async -> ProbeOutcome {
        let target = try! ServerAddress(validating: address)
        let id = BackendID(app: try! AppName(validating: "web"), address: target)
        return await engine.probe(ProbeRequest(backend: id, target: target, check: check, attempt: 0, ticket: ticket, dueAt: .zero))
    }
}
