import PicketCore
import Testing

/// Fleet mode: only the node holding the Docker engine's lease acts on containers; the others keep
/// their own checks and files.
@Suite struct LeaseTests {
    let a = "127.0.0.1:8001", b = "127.0.0.1:8002"
    let policy = RecoveryPolicy(
        drainTimeout: .seconds(2), stopTimeout: .seconds(1), maxRestarts: 3, restartWindow: .seconds(600),
        backoff: Backoff(base: .seconds(4), cap: .seconds(60), jitter: 0))

    @Test func withoutTheLeaseAnExitedContainerLeavesTheFileButIsNotRestartedUntilTheLeaseComes() {
        var world = Harness(apps: [dockerApp(recovery: policy)])
        world.core.requireLeases()
        world.list([container(a), container(b)])
        world.run(for: .seconds(2))
        world.answers[a] = refused
        world.list([container(a, state: .exited), container(b)])
        world.run(for: .seconds(5))
        #expect(world.dockerCommands.isEmpty, "another node holds the lease")
        #expect(world.lastServing == [b], "this node's own checks still take it out of its file")
        world.absorb(world.core.leaseChanged(engine: .default, held: true, now: world.now))
        #expect(world.dockerCommands.map(\.action) == [.restart], "the new holder takes the recovery up at once")
        #expect(world.dockerCommands.first?.trigger == .containerStopped(.exited))
    }

    @Test func anActionRefusedForWantOfTheLeaseIsHeldUntilTheLeaseReturns() {
        var world = Harness(apps: [dockerApp(recovery: policy)])
        world.core.requireLeases()
        world.absorb(world.core.leaseChanged(engine: .default, held: true, now: world.now))
        world.list([container(a), container(b)])
        world.run(for: .seconds(2))
        world.answers[a] = refused
        world.list([container(a, state: .exited), container(b)])
        #expect(world.dockerCommands.count == 1)
        world.absorb(world.core.leaseChanged(engine: .default, held: false, now: world.now))
        world.finishAction(.notLeaseHolder("the lease moved to another node"))
        #expect(world.recovery(a) == .idle)
        world.run(for: .seconds(30))
        #expect(world.dockerCommands.count == 1, "no second attempt without the lease")
        world.absorb(world.core.leaseChanged(engine: .default, held: true, now: world.now))
        world.run(for: .seconds(1))
        #expect(world.dockerCommands.count == 2)
        #expect(world.dockerCommands.last?.action == .restart)
    }

    @Test func theLeaseOfOneEngineGivesNoRightOverAnothersContainers() {
        var remote = dockerApp(name: "api", recovery: policy)
        remote.docker?.engine = "east"
        var world = Harness(apps: [dockerApp(recovery: policy), remote])
        world.core.requireLeases()
        world.absorb(world.core.leaseChanged(engine: "east", held: true, now: world.now))
        world.list([container(a), container(b)])
        world.list([container("127.0.0.1:9001"), container("127.0.0.1:9002")], app: "api")
        world.run(for: .seconds(2))
        world.list([container(a, state: .exited), container(b)])
        world.list([container("127.0.0.1:9001", state: .exited), container("127.0.0.1:9002")], app: "api")
        world.run(for: .seconds(5))
        #expect(world.dockerCommands.map(\.backend.description) == ["api/127.0.0.1:9001"], "only the engine whose lease this node holds")
    }
}
