import Testing
import PicketCore

@Suite struct BackendStateTests {
    let check = HealthCheckSpec(interval: .seconds(1), fastInterval: .milliseconds(250), failureThreshold: 3, successThreshold: 2, jitter: 0)
    let circuit = CircuitSpec(failureThreshold: 5, recoveryTimeout: .seconds(10), maxProbeInterval: .seconds(5), jitter: 0, flapWindow: .seconds(60), holdDown: .seconds(10), maxHoldDown: .seconds(40))
    let pass = ProbeOutcome.passed(ProbeEvidence())

    /// Feeds outcomes one second apart from `start`; returns the state and every change.
    func run(_ outcomes: [ProbeOutcome], from phase: BackendPhase = .up, state initial: BackendState? = nil, start: Instant = .zero) -> (BackendState, [HealthChange]) {
        var state = initial ?? BackendState(phase: phase, since: .zero)
        var changes: [HealthChange] = []
        for (i, outcome) in outcomes.enumerated() {
            let now = start + .seconds(i + 1)
            if let change = state.record(outcome, check: check, circuit: circuit, now: now) { changes.append(change) }
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
        let (state, changes) = run([refused, refused, pass, refused, refused])
        #expect(state.phase == .up)
        #expect(changes.isEmpty)
        #expect(state.consecutiveFailures == 2)
    }

    @Test func comesBackUpOnlyAfterTheSuccessThreshold() {
        let (afterOne, _) = run([refused, refused, refused, pass])
        #expect(afterOne.phase == .down)
        let (afterTwo, changes) = run([refused, refused, refused, pass, pass])
        #expect(afterTwo.phase == .up)
        #expect(changes.map(\.to.phase) == [.down, .up])
    }

    @Test func pendingBackendGetsItsFirstVerdictFromEitherThreshold() {
        #expect(run([pass, pass], from: .pending).0.phase == .up)
        #expect(run([pass], from: .pending).0.phase == .pending)
        #expect(run([refused, refused, refused], from: .pending).0.phase == .down)
    }

    @Test func theCircuitOpensAtItsThresholdHalfOpensOnAPassAndClosesOnReadmission() {
        let (open, changes) = run(Array(repeating: timedOut, count: 5))
        #expect(changes.map(\.to) == [Health(phase: .down, circuit: .closed), Health(phase: .down, circuit: .open)])
        #expect(open.circuitOpenedAt == Instant.zero + .seconds(5))
        #expect(open.lastFailure?.failureClass == .timeout)
        let (reopened, again) = run([pass, refused], state: open, start: Instant.zero + .seconds(5))
        #expect(again.map(\.to.circuit) == [.halfOpen, .open])
        #expect(reopened.circuitOpenedAt == Instant.zero + .seconds(5), "a re-open keeps the time the failure began")
        let (closed, last) = run([pass, pass], state: reopened, start: Instant.zero + .seconds(7))
        #expect(last.map(\.to) == [Health(phase: .down, circuit: .halfOpen), Health(phase: .up, circuit: .closed)])
        #expect(closed.circuitOpenedAt == nil)
    }

    @Test func aLowerCircuitThresholdEjectsBeforeTheHealthThreshold() {
        let strict = CircuitSpec(failureThreshold: 1, jitter: 0)
        var state = BackendState(phase: .up, since: .zero)
        let change = state.record(refused, check: check, circuit: strict, now: Instant.zero + .seconds(1))
        #expect(change?.to == Health(phase: .down, circuit: .open))
    }

    @Test func probesAreSpacedByWhereTheBackendStands() {
        var random = RandomSource(seed: 1)
        var state = BackendState(phase: .up, since: .zero)
        var now = Instant.zero
        func next() -> Duration { state.nextProbeDelay(check: check, circuit: circuit, now: now, random: &random) }
        #expect(next() == .seconds(1), "steady: interval")
        _ = state.record(refused, check: check, circuit: circuit, now: now)
        #expect(next() == .milliseconds(250), "up after a failure: fast interval")
        _ = state.record(refused, check: check, circuit: circuit, now: now)
        _ = state.record(refused, check: check, circuit: circuit, now: now)
        #expect(state.phase == .down)
        #expect(next() == .seconds(1), "down: down interval (the interval by default)")
        _ = state.record(pass, check: check, circuit: circuit, now: now)
        #expect(next() == .milliseconds(250), "down after a pass: fast interval")
        for _ in 0..<5 { _ = state.record(refused, check: check, circuit: circuit, now: now) }
        #expect(state.circuit == .open)
        now = now + .seconds(9)
        #expect(next() == .seconds(1), "open for less than recovery_timeout: still the down interval")
        now = now + .seconds(1)
        #expect((0..<5).map { _ in next() } == [.seconds(2), .seconds(4), .seconds(5), .seconds(5), .seconds(5)],
            "open for recovery_timeout: backed off, doubling up to max_probe_interval, never stopped")
        _ = state.record(pass, check: check, circuit: circuit, now: now)
        #expect(next() == .milliseconds(250), "a pass ends the backoff at once")
    }

    @Test func aReEjectionSoonAfterReadmissionIsAFlapAndNeedsAHoldDown() {
        var (state, _) = run([refused, refused, refused, pass, pass])
        #expect(state.phase == .up && state.flaps == 0)
        (state, _) = run([refused, refused, refused], state: state, start: Instant.zero + .seconds(5))
        #expect(state.flaps == 1, "ejected 1 s after its readmission")
        (state, _) = run([pass, pass, pass], state: state, start: Instant.zero + .seconds(8))
        #expect(state.phase == .down, "enough passes, but a flapping backend must pass for hold_down (10 s) without a break")
        #expect(state.heldDownUntil(spec: circuit) == Instant.zero + .seconds(19))
        (state, _) = run(Array(repeating: pass, count: 8), state: state, start: Instant.zero + .seconds(11))
        #expect(state.phase == .up)
        #expect(state.readmittedAt == Instant.zero + .seconds(19))
    }

    @Test func theHoldDownGrowsWithEachFlapUpToItsCap() {
        #expect((0...5).map { circuit.holdDown(flaps: $0) } == [.zero, .seconds(10), .seconds(20), .seconds(40), .seconds(40), .seconds(40)])
    }

    @Test func flapsAreForgivenOnePerFlapWindowInRotation() {
        var (state, _) = run([refused, refused, refused, pass, pass])
        (state, _) = run([refused, refused, refused], state: state, start: Instant.zero + .seconds(5))
        (state, _) = run(Array(repeating: pass, count: 12), state: state, start: Instant.zero + .seconds(8))
        #expect(state.phase == .up && state.flaps == 1)
        (state, _) = run([refused, refused, refused], state: state, start: Instant.zero + .seconds(200))
        #expect(state.flaps == 0, "180 s in rotation forgave the old flap, and a re-ejection that late is not a new one")
        (state, _) = run([pass, pass], state: state, start: Instant.zero + .seconds(203))
        #expect(state.phase == .up, "a single long outage readmits after success_threshold passes")
    }

    @Test func aRestartedContainerStartsOverButKeepsItsFlaps() {
        var (state, _) = run([refused, refused, refused, pass, pass, refused, refused, refused, refused, refused])
        #expect(state.circuit == .open && state.flaps == 1)
        let change = state.containerRestarted(now: Instant.zero + .seconds(20))
        #expect(change?.to == Health(phase: .down, circuit: .closed))
        #expect(state.consecutiveFailures == 0 && state.flaps == 1)
    }

    @Test func anInconclusiveProbeChangesNothing() {
        let (state, changes) = run([refused, refused, .inconclusive(.descriptorsExhausted, ProbeEvidence()), refused])
        #expect(changes.map(\.to.phase) == [.down])
        #expect(state.consecutiveFailures == 3)
        #expect(state.lastFailure?.failureClass == .refused)
    }
}
