import Testing
import PicketCore

@Suite struct OperatorTests {
    let a = "127.0.0.1:8001", b = "127.0.0.1:8002"

    func id(_ text: String) -> BackendID {
        BackendID(app: try! AppName(validating: "web"), address: address(text))
    }

    @Test func anOperatorDrainTakesABackendOutSurvivesAReloadAndIsUndone() throws {
        var world = Harness(apps: [app([a, b])])
        world.run(for: .seconds(2))
        world.absorb(try world.core.setOperatorDrain(id(b), drained: true, now: world.now))
        world.run(for: .milliseconds(300))
        #expect(world.lastServing == [a])
        #expect(world.applies.last?.changes == [removed(b, .drained(.operator))])
        #expect(world.core.backend(id(b))?.rotation == .drained(.operator))
        world.reload([app([a, b])])
        world.run(for: .seconds(1))
        #expect(world.lastServing == [a], "a config reload does not undo an operator's drain")
        #expect(world.core.operatorDrained == [id(b)])
        world.absorb(try world.core.setOperatorDrain(id(b), drained: false, now: world.now))
        world.run(for: .milliseconds(300))
        #expect(world.lastServing == [a, b])
    }

    @Test func anOperatorDrainHoldsEvenWhenEveryOtherBackendIsDown() throws {
        var world = Harness(apps: [app([a, b])])
        world.run(for: .seconds(2))
        world.absorb(try world.core.setOperatorDrain(id(b), drained: true, now: world.now))
        world.answers[a] = refused
        world.run(for: .seconds(5))
        #expect(world.lastServing == [a], "fail_open keeps the failing instances, never the drained one")
    }

    @Test func unknownBackendsAndResettingAHealthyOneAreRefused() {
        var world = Harness(apps: [app([a])])
        #expect(throws: OperatorError.unknownBackend(id("127.0.0.1:9"))) { try world.core.setOperatorDrain(id("127.0.0.1:9"), drained: true, now: world.now) }
        #expect(throws: OperatorError.notQuarantined(id(a))) { try world.core.resetRecovery(id(a), now: world.now) }
    }

    @Test func aResetReleasesQuarantineAndRecoveryStartsAfresh() throws {
        var world = Harness(apps: [dockerApp(recovery: RecoveryPolicy(
            drainTimeout: .zero, maxRestarts: 1, backoff: Backoff(base: .seconds(1), cap: .seconds(1), jitter: 0), recreate: false))])
        world.list([container(a), container(b)])
        world.run(for: .seconds(2))
        world.answers[a] = refused
        world.list([container(a, state: .exited), container(b)])
        world.finishAction()
        world.run(for: .milliseconds(100))
        world.list([container(a, state: .exited), container(b)])
        world.run(for: .seconds(3))
        #expect(world.recovery(a)?.label == "quarantined")
        #expect(world.core.backend(id(a))?.rotation == .recovery(.quarantined(.budgetSpent(
            restarts: 1, window: .seconds(600), recreated: false, trigger: .containerStopped(.exited)))))
        #expect(world.dockerCommands.count == 1)
        world.absorb(try world.core.resetRecovery(id(a), now: world.now))
        #expect(world.recoveryEvents.contains { $0.kind == .released(.operatorReset) })
        #expect(world.dockerCommands.count == 2, "the budget starts afresh: the next restart goes out at once")
        #expect(world.recovery(a)?.label == "restarting")
    }
}

@Suite struct RestoreTests {
    let a = "127.0.0.1:8001", b = "127.0.0.1:8002", c = "127.0.0.1:8003"

    func id(_ text: String) -> BackendID {
        BackendID(app: try! AppName(validating: "web"), address: address(text))
    }

    @Test func aRestartResumesOutDrainedAndOpenBackendsWithoutWaitingForThem() {
        var core = Reconciler(seed: 1)
        core.restore([
            SavedBackend(id: id(b), phase: .out, consecutiveFailures: 3),
            SavedBackend(id: id(c), phase: .up, operatorDrained: true),
            SavedBackend(id: id(a), phase: .out, circuitOpen: true, consecutiveFailures: 40, flaps: 2),
        ])
        var world = Harness(apps: [], seed: 1)
        world.core = core
        let d = "127.0.0.1:8004"
        world.reload([app([a, b, c, d])])
        #expect(world.phase(b) == .down && world.phase(a) == .down && world.phase(c) == .pending)
        #expect(world.core.backend(id(a))?.state.circuit == .open && world.core.backend(id(a))?.state.flaps == 2)
        #expect(world.observations.contains(.backendsChanged(BackendsChange(added: [id(d)], restored: [id(a), id(b), id(c)]))))
        world.answers[a] = refused
        world.answers[b] = refused
        world.run(for: .seconds(2))
        #expect(world.applies.first?.reason == .firstRound, "restored verdicts count for the first round")
        #expect(world.lastServing == [d], "a and b stay out until they pass, c stays drained")
        #expect(world.core.operatorDrained == [id(c)], "an operator's drain survives the restart")
        #expect(world.core.backend(id(b))?.state.consecutiveFailures ?? 0 >= 3)
        #expect(world.probesSent.filter { $0.backend == id(a) }.count >= 1, "a remembered open circuit is probed at once, not after a cooldown")
    }

    @Test func aRememberedDownBackendThatCameBackIsReadmittedAfterItsPasses() {
        var core = Reconciler(seed: 1)
        core.restore([SavedBackend(id: id(a), phase: .out, circuitOpen: true, consecutiveFailures: 600)])
        var world = Harness(apps: [], seed: 1)
        world.core = core
        var check = HealthCheckSpec(interval: .seconds(1), timeout: .milliseconds(500), jitter: 0)
        check.successThreshold = 2
        world.reload([app([a, b], check: check)])
        world.run(for: .seconds(3))
        #expect(world.lastServing == [a, b], "it passed twice within interval + fast interval of the start")
    }

    @Test func aContainerRemembersItsRestartBudgetAndQuarantineWhenItIsListedAgain() {
        var core = Reconciler(seed: 1)
        core.restore([SavedBackend(id: id(a), phase: .out, restarts: [Instant.zero, Instant.zero + .seconds(1)], quarantine: .remembered("budget spent"))])
        var world = Harness(apps: [], seed: 1)
        world.core = core
        world.reload([dockerApp(recovery: RecoveryPolicy())])
        world.list([container(a)])
        #expect(world.recovery(a) == .quarantined(since: world.now, reason: .remembered("budget spent")))
        #expect(world.core.backend(id(a))?.recovery.restarts.count == 2)
    }
}
