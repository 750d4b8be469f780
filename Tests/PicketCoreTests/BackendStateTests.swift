import Testing
import PicketCore

@Suite struct BackendStateTests {
    let check = HealthCheckSpec(failureThreshold: 3, successThreshold: 2)
    let circuit = CircuitSpec(failureThreshold: 5, successThreshold: 3, recoveryTimeout: .seconds(10), maxRecoveryTimeout: .seconds(60), jitter: 0)

    func run(_ outcomes: [ProbeOutcome], from phase: BackendPhase = .up) -> (BackendState, [PhaseChange]) {
        var state = BackendState(phase: phase, since: .zero)
        var random = RandomSource(seed: 1)
        var changes: [PhaseChange] = []
        for (i, outcome) in outcomes.enumerated() {
            let now = Instant.zero + .seconds(i + 1)
            if let change = state.record(outcome, check: check, circuit: circuit, now: now, random: &random) { changes.append(change) }
        }
        return (state, changes)
    }

    @Test(arguments: [
        (failures: 1, expected: BackendPhase.up),
        (failures: 2, expected: BackendPhase.up),
        (failures: 3, expected: BackendPhase.down),
        (failures: 4, expected: BackendPhase.down),
    ])
    func goesDownExactlyAtTheFailureThreshold(failures: Int, expected: BackendPhase) {
        let (state, _) = run(Array(repeating: refused, count: failures))
        #expect(state.phase == expected)
        #expect(state.consecutiveFailures == failures)
    }

    @Test func aPassInBetweenResetsTheFailureCount() {
        let (state, changes) = run([refused, refused, .passed(ProbeEvidence()), refused, refused])
        #expect(state.phase == .up)
        #expect(changes.isEmpty)
        #expect(state.consecutiveFailures == 2)
    }

    @Test func comesBackUpOnlyAfterTheSuccessThreshold() {
        let (afterOne, _) = run([refused, refused, refused, .passed(ProbeEvidence())])
        #expect(afterOne.phase == .down)
        let (afterTwo, changes) = run([refused, refused, refused, .passed(ProbeEvidence()), .passed(ProbeEvidence())])
        #expect(afterTwo.phase == .up)
        #expect(changes.map(\.to) == [.down, .up])
    }

    @Test func opensTheCircuitAtItsOwnThresholdWithTheRecoveryTimeoutAsCooldown() {
        let (state, changes) = run(Array(repeating: timedOut, count: 5))
        #expect(changes.map(\.to.name) == ["down", "open"])
        #expect(state.phase == .open(until: Instant.zero + .seconds(5) + .seconds(10)))
        #expect(state.lastFailure?.failureClass == .timeout)
    }

    @Test func pendingBackendGetsItsFirstVerdictFromEitherThreshold() {
        #expect(run([.passed(ProbeEvidence()), .passed(ProbeEvidence())], from: .pending).0.phase == .up)
        #expect(run([.passed(ProbeEvidence())], from: .pending).0.phase == .pending)
        #expect(run([refused, refused, refused], from: .pending).0.phase == .down)
    }

    @Test func halfOpenClosesAfterCircuitSuccessesAndReopensWithDoubledCooldownOnAnyFailure() {
        var (state, _) = run(Array(repeating: refused, count: 5))
        var random = RandomSource(seed: 1)
        var now = Instant.zero + .seconds(15)
        #expect(state.cooldownElapsed(now: now)?.to == .halfOpen(since: now))
        now = now + .seconds(1)
        _ = state.record(.passed(ProbeEvidence()), check: check, circuit: circuit, now: now, random: &random)
        now = now + .seconds(1)
        let reopened = state.record(refused, check: check, circuit: circuit, now: now, random: &random)
        #expect(reopened?.to == .open(until: now + .seconds(20)))
        #expect(state.reopenCount == 1)

        now = now + .seconds(20)
        _ = state.cooldownElapsed(now: now)
        var last: PhaseChange?
        for _ in 0..<3 {
            now = now + .seconds(1)
            last = state.record(.passed(ProbeEvidence()), check: check, circuit: circuit, now: now, random: &random)
        }
        #expect(last?.to == .up)
        #expect(state.lastClosedAt == now)
    }

    @Test func cooldownGrowthStopsAtTheMaximum() {
        let backoff = circuit.cooldown
        #expect((0...4).map { backoff.nominalDelay(attempt: $0) } == [.seconds(10), .seconds(20), .seconds(40), .seconds(60), .seconds(60)])
    }

    @Test func halfOpenThatDoesNotProveItselfInTimeReopens() {
        var (state, _) = run(Array(repeating: refused, count: 5))
        var random = RandomSource(seed: 1)
        let start = Instant.zero + .seconds(15)
        _ = state.cooldownElapsed(now: start)
        #expect(state.expireHalfOpen(circuit: circuit, now: start + .seconds(59), random: &random) == nil)
        #expect(state.expireHalfOpen(circuit: circuit, now: start + .seconds(60), random: &random)?.to.name == "open")
    }
}
