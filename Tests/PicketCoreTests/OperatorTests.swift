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
        #expect(world.applies.last?.changes.map(\.description) == ["- \(b) (drained by operator)"])
        #expect(world.core.why(id(b), now: world.now)?.hasPrefix("drained by an operator") == true)
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
        #expect(world.recovery(a)?.name == "quarantined")
        #expect(world.core.why(id(a), now: world.now)?.hasPrefix("quarantined: 1 restarts within 10m did not bring it back") == true)
        #expect(world.dockerCommands.count == 1)
        world.absorb(try world.core.resetRecovery(id(a), now: world.now))
        #expect(world.recoveryEvents.contains { $0.kind == .released && $0.trigger == "reset by operator" })
        #expect(world.dockerCommands.count == 2, "the budget starts afresh: the next restart goes out at once")
        #expect(world.recovery(a)?.name == "restarting")
    }

    @Test func whyExplainsEachPhaseInWords() {
        var world = Harness(apps: [app([a, b])])
        #expect(world.core.why(id(a), now: world.now) == "pending: no verdict yet")
        world.answers[b] = refused
        world.run(for: .seconds(4))
        #expect(world.core.why(id(a), now: world.now) == "in rotation: passed 4× in a row")
        #expect(world.core.why(id(b), now: world.now)?.hasPrefix("down: 4× failed in a row, needs 1 passes to return; last failure: refused") == true)
        world.run(for: .seconds(2))
        #expect(world.core.why(id(b), now: world.now)?.hasPrefix("circuit open: not probed for") == true)
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
            SavedBackend(id: id(a), phase: .out, openUntil: Instant.zero + .seconds(30), reopenCount: 2),
        ])
        var world = Harness(apps: [], seed: 1)
        world.core = core
        let d = "127.0.0.1:8004"
        world.reload([app([a, b, c, d])])
        #expect(world.phase(b) == .down && world.phase(a) == .open(until: Instant.zero + .seconds(30)) && world.phase(c) == .pending)
        world.answers[b] = refused
        world.run(for: .seconds(2))
        #expect(world.applies.first?.reason == .firstRound, "restored verdicts count for the first round")
        #expect(world.lastServing == [d], "b stays out until it passes, c stays drained, a keeps its open circuit")
        #expect(world.core.operatorDrained == [id(c)], "an operator's drain survives the restart")
        #expect(!world.probesSent.contains { $0.backend == id(a) }, "an open circuit keeps its cooldown: no probe before 30 s")
        #expect(world.core.backend(id(b))?.state.consecutiveFailures ?? 0 >= 3)
    }

    @Test func aContainerRemembersItsRestartBudgetAndQuarantineWhenItIsListedAgain() {
        var core = Reconciler(seed: 1)
        core.restore([SavedBackend(id: id(a), phase: .out, restarts: [Instant.zero, Instant.zero + .seconds(1)], quarantineReason: "budget spent")])
        var world = Harness(apps: [], seed: 1)
        world.core = core
        world.reload([dockerApp(recovery: RecoveryPolicy())])
        world.list([container(a)])
        #expect(world.recovery(a) == .quarantined(since: world.now, reason: "budget spent"))
        #expect(world.core.backend(id(a))?.recovery.restarts.count == 2)
    }
}
