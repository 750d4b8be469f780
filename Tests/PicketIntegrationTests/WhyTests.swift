@testable import PicketRuntime
import PicketCore
import Testing

/// `why` in words, from the same rotation reason the file is rendered from.
@Suite struct WhyTests {
    let web = try! AppName(validating: "web")
    let a = try! ServerAddress(validating: "127.0.0.1:8001")

    /// Feeds `outcomes` one per second to the only backend and returns its snapshot.
    func backend(after outcomes: [ProbeOutcome], check: HealthCheckSpec = HealthCheckSpec(interval: .seconds(1), timeout: .milliseconds(500), successThreshold: 2, jitter: 0)) -> (BackendSnapshot, Instant) {
        var core = Reconciler(seed: 1)
        var now = Instant.zero
        let app = AppSpec(name: web, instances: [InstanceSpec(address: a)], healthCheck: check, circuit: CircuitSpec(jitter: 0))
        var pending = core.configLoaded([app], settings: ControllerSettings(), now: now).compactMap { if case .probe(let r) = $0 { r } else { nil } }
        for outcome in outcomes {
            now = now + .seconds(1)
            pending += core.timerFired(now: now).compactMap { if case .probe(let r) = $0 { r } else { nil } }
            guard let request = pending.popLast() else { continue }
            pending += core.probeCompleted(request.report(outcome), now: now).compactMap { if case .probe(let r) = $0 { r } else { nil } }
        }
        return (core.backend(BackendID(app: web, address: a))!, now)
    }

    @Test func explainsEachPlaceInWords() {
        let pass = ProbeOutcome.passed(ProbeEvidence(statusCode: 200))
        let refused = ProbeOutcome.failed(.refused, ProbeEvidence(message: "connection refused"))
        var (snapshot, now) = backend(after: [])
        #expect(Why.text(snapshot, now: now) == "pending: no verdict yet")
        (snapshot, now) = backend(after: [pass, pass, pass])
        #expect(Why.text(snapshot, now: now) == "in rotation: passed 3× in a row")
        (snapshot, now) = backend(after: [pass, pass, refused, refused, refused, refused])
        #expect(Why.text(snapshot, now: now) == "down: 4× failed in a row, needs 2 passes to return; last failure: refused (connection refused)")
        (snapshot, now) = backend(after: [pass, pass] + Array(repeating: refused, count: 6))
        #expect(Why.text(snapshot, now: now).hasPrefix("down: 6× failed in a row, needs 2 passes to return; circuit open for 1s: still probed, at most every 5s"))
        (snapshot, now) = backend(after: [pass, pass] + Array(repeating: refused, count: 6) + [pass])
        #expect(Why.text(snapshot, now: now).hasPrefix("down: passing again (1/2 passes); circuit half-open"))
    }
}
