import PicketCore
import PicketProbes

/// A probe engine for one test, stopped when the test lets go of it.
final class Prober: Sendable {
    let engine: ProbeEngine

    init(maxConcurrent: Int = 8, replyTick: Int64 = 20_000_000) throws {
        engine = try ProbeEngine(maxConcurrent: maxConcurrent, replyTick: replyTick)
    }

    deinit {
        engine.shutdown()
    }

    /// `slot`: the core record's slot the request names (-1: none, as for a one-shot check); `edge`: an
    /// edge probe, which is shed rather than queued.
    func probe(_ address: String, _ check: HealthCheckSpec, ticket: UInt64 = 1, slot: Int32 = -1, edge: Bool = false) async -> ProbeOutcome {
        let target = try! ServerAddress(validating: address)
        let id = BackendID(app: try! AppName(validating: "web"), address: target)
        return await engine.probe(
            ProbeRequest(subject: ProbeSubject(backend: id, target: target, sharedCheck: Shared(check)), attempt: 0, ticket: ticket, dueAt: .zero, slot: slot, edge: edge))
    }
}
