import PicketCore
import Testing

/// Restart budgets and quarantines are the fleet's: a node taking an engine over takes in what the
/// previous lease holders spent on the same container.
@Suite struct PeerRecoveryTests {
    let a = "127.0.0.1:8001", b = "127.0.0.1:8002"
    let policy = RecoveryPolicy(drainTimeout: .zero, maxRestarts: 1, backoff: Backoff(base: .seconds(1), cap: .seconds(1), jitter: 0), recreate: false)

    func id(_ address: String) -> BackendID {
        BackendID(app: try! AppName(validating: "web"), address: try! ServerAddress(validating: address))
    }

    func world() -> Harness {
        var world = Harness(apps: [dockerApp(recovery: policy)])
        world.list([container(a), container(b)])
        world.run(for: .seconds(2))
        return world
    }

    @Test func aPeersRestartOfTheSameContainerSpendsThisNodesBudget() {
        var world = world()
        let (adopted, effects) = world.core.adoptPeerRecovery(
            [PeerRecovery(id: id(a), container: container(a).id, restarts: [Instant.zero + .seconds(1)], quarantine: nil)], now: world.now)
        world.absorb(effects)
        #expect(adopted == [id(a)])
        world.answers[a] = refused
        world.list([container(a, state: .exited), container(b)])
        world.run(for: .seconds(5))
        #expect(world.dockerCommands.isEmpty, "the one restart of the budget was spent by the other node")
        #expect(world.recovery(a)?.label == "quarantined")
    }

    @Test func oneRestartRecordedByTwoNodesCountsOnce() {
        var world = Harness(apps: [dockerApp(recovery: RecoveryPolicy(
            drainTimeout: .zero, maxRestarts: 2, backoff: Backoff(base: .seconds(1), cap: .seconds(1), jitter: 0), recreate: false))])
        world.list([container(a), container(b)])
        world.run(for: .seconds(2))
        let restart = Instant.zero + .seconds(1)
        _ = world.core.adoptPeerRecovery([
            PeerRecovery(id: id(a), container: container(a).id, restarts: [restart], quarantine: nil),
            PeerRecovery(id: id(a), container: container(a).id, restarts: [restart + .milliseconds(200)], quarantine: nil),
        ], now: world.now)
        world.answers[a] = refused
        world.list([container(a, state: .exited), container(b)])
        world.run(for: .seconds(2))
        #expect(world.dockerCommands.map(\.action) == [.restart], "one of two restarts left")
    }

    @Test func aPeersQuarantineOfTheSameContainerStandsAndHistoryOfAnotherContainerIsIgnored() {
        var world = world()
        let reason = QuarantineReason.budgetSpent(restarts: 1, window: .seconds(600), recreated: false, trigger: .containerStopped(.exited))
        let (adopted, effects) = world.core.adoptPeerRecovery([
            PeerRecovery(id: id(a), container: container(a).id, restarts: [], quarantine: reason),
            PeerRecovery(id: id(b), container: "a-container-replaced-since", restarts: [world.now], quarantine: reason),
        ], now: world.now)
        world.absorb(effects)
        #expect(adopted == [id(a)])
        #expect(world.recovery(a)?.label == "quarantined")
        #expect(world.recovery(b) == .idle)
        #expect(world.desiredServing() == [b], "a quarantined backend is out of rotation on this node too")
    }
}
