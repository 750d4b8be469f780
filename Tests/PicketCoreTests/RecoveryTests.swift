import Testing
import PicketCore

@Suite struct RecoveryTests {
    let a = "127.0.0.1:8001", b = "127.0.0.1:8002", c = "127.0.0.1:8003"
    /// No jitter, short steps, so the timeline is exact.
    let policy = RecoveryPolicy(
        drainTimeout: .seconds(2), stopTimeout: .seconds(1), maxRestarts: 3, restartWindow: .seconds(600),
        backoff: Backoff(base: .seconds(4), cap: .seconds(60), jitter: 0))

    func started(_ world: Harness) -> [String] {
        world.recoveryEvents.compactMap { if case .started(let action, _, _) = $0.kind { return action.rawValue } else { return nil } }
    }

    @Test func aNewContainerJoinsOnlyAfterPassingItsChecksAndARemovedOneLeavesAtOnce() {
        var world = Harness(apps: [dockerApp(recovery: policy)])
        world.list([container(a), container(b)])
        #expect(world.phase(a) == .pending)
        world.run(for: .seconds(2))
        #expect(world.lastServing == [a, b])
        world.list([container(a), container(b), container(c)])
        #expect(world.desiredServing() == [a, b], "a new container is pending until it passes")
        world.run(for: .seconds(2))
        #expect(world.lastServing == [a, b, c])
        world.list([container(a), container(c)])
        #expect(world.desiredServing() == [a, c])
        world.run(for: .milliseconds(300))
        #expect(world.lastServing == [a, c])
        #expect(world.applies.last?.changes == [removed(b, .removed(.containerGone))])
    }

    @Test func holdsTheFileUntilDockerHasBeenListedOnce() {
        var world = Harness(apps: [dockerApp(recovery: policy)])
        world.run(for: .seconds(5))
        #expect(world.applies.isEmpty, "no listing yet is not the same as no containers")
        world.list([container(a)])
        world.run(for: .seconds(2))
        #expect(world.applies.first?.reason == .firstRound)
        #expect(world.lastServing == [a])
    }

    @Test func withoutAnyListingTheFirstRoundGoesOnAfterItsWaitWithRememberedContainers() {
        var core = Reconciler(settings: ControllerSettings(firstListingWait: .seconds(10)), seed: 7)
        let web = try! AppName(validating: "web")
        core.restore([SavedBackend(id: BackendID(app: web, address: address(a)), phase: .up), SavedBackend(id: BackendID(app: web, address: address(b)), phase: .out)])
        var world = Harness(apps: [], settings: ControllerSettings(firstListingWait: .seconds(10)))
        world.core = core
        world.reload([dockerApp(recovery: policy), app(["127.0.1.1:80"], name: "static")])
        world.run(for: .seconds(9))
        #expect(world.applies.isEmpty, "the first listing is waited for, within bounds")
        world.answers[b] = refused
        world.run(for: .seconds(3))
        #expect(world.observations.contains(.firstListingOverdue(apps: [web], remembered: 2)))
        #expect(world.applies.first?.reason == .firstRound, "static apps do not wait on Docker beyond the bound")
        #expect(world.desiredServing() == [a], "remembered containers are checked at their addresses")
        #expect(world.dockerCommands.isEmpty, "no Docker action without a listing")
        world.list([container(a), container(c)])
        world.run(for: .seconds(2))
        #expect(world.lastServing == [a, c], "the first listing replaces what was remembered")
    }

    @Test func anAppWithNoContainersRendersOneDownPlaceholder() {
        var world = Harness(apps: [dockerApp(recovery: policy)])
        world.list([])
        world.run(for: .seconds(1))
        let servers = world.applies.last?.upstreams.upstreams.first?.servers
        #expect(servers?.map(\.address) == [.placeholder])
        #expect(servers?.first?.down == true)
    }

    @Test func anExitedContainerIsRestartedAtOnceAndReadmittedOnlyAfterPassing() {
        var world = Harness(apps: [dockerApp(recovery: policy)])
        world.list([container(a), container(b)])
        world.run(for: .seconds(2))
        world.answers[a] = refused
        world.list([container(a, state: .exited), container(b)])
        #expect(world.dockerCommands.map(\.action) == [.restart], "an exited container needs no drain wait once it is out")
        #expect(world.dockerCommands.first?.trigger == .containerStopped(.exited))
        world.run(for: .seconds(3))
        #expect(world.desiredServing() == [b], "not readmitted while Picket's own restart is under way")
        #expect(world.applies.last?.changes == [removed(a, .recovery(.acting(.restart, .containerStopped(.exited))))])
        world.answers[a] = nil
        world.finishAction()
        #expect(world.phase(a) == .down)
        #expect(world.recovery(a) == .verifying(since: world.now))
        world.list([container(a), container(b)])
        world.run(for: .milliseconds(1500))
        #expect(world.lastServing == [a, b])
        #expect(world.recovery(a) == .idle)
        #expect(world.recoveryEvents.last?.kind == .recovered)
        #expect(world.dockerCommands.count == 1)
    }

    @Test func aServingContainerReportedUnhealthyIsDrainedBeforeItIsRestarted() {
        var world = Harness(apps: [dockerApp(recovery: policy)])
        world.list([container(a), container(b)])
        world.run(for: .seconds(2))
        let decided = world.now
        world.list([container(a, health: .unhealthy), container(b)])
        #expect(world.recovery(a) == .draining(action: .restart, trigger: .dockerUnhealthy, since: decided, until: nil),
            "the drain's wait has not started: nginx still has the server")
        world.run(for: .seconds(1))
        #expect(world.lastServing == [b], "drained out of the file first")
        let confirmed = world.applyTimes.last!
        #expect(world.recovery(a) == .draining(action: .restart, trigger: .dockerUnhealthy, since: decided, until: confirmed + .seconds(2)))
        #expect(world.dockerCommands.isEmpty)
        world.run(until: confirmed + (.seconds(2) - .milliseconds(1)))
        #expect(world.dockerCommands.isEmpty, "the drain lasts drain_timeout from nginx's confirmation, not from the decision")
        world.run(for: .milliseconds(1))
        #expect(world.dockerCommands.map(\.action) == [.restart])
    }

    @Test func aDrainNginxNeverConfirmsHoldsTheActionThenGoesAheadLoudly() {
        var world = Harness(apps: [dockerApp(recovery: policy)])
        world.list([container(a), container(b)])
        world.run(for: .seconds(2))
        world.applyOutcome = .failed("nginx -t: no servers in upstream")
        world.list([container(a, health: .unhealthy), container(b)])
        let decided = world.now
        world.run(for: .seconds(29))
        #expect(world.dockerCommands.isEmpty, "no action while the file still sends traffic to it")
        world.run(for: .seconds(2))
        #expect(world.dockerCommandTimes == [decided + Reconciler.drainConfirmationLimit])
        #expect(world.recoveryEvents.contains { $0.kind == .drainUnconfirmed(.restart, waited: Reconciler.drainConfirmationLimit) })
    }

    @Test func neverTakesTheLastServingReplicaDownAndKeepsToMaxInFlight() {
        var world = Harness(apps: [dockerApp(recovery: policy)])
        world.list([container(a)])
        world.run(for: .seconds(2))
        world.list([container(a, health: .unhealthy)])
        world.run(for: .seconds(5))
        #expect(world.dockerCommands.isEmpty, "the only serving replica is not drained for a restart")

        var pair = Harness(apps: [dockerApp(recovery: policy)])
        pair.list([container(a), container(b), container(c)])
        pair.run(for: .seconds(2))
        pair.answers[a] = refused
        pair.answers[b] = refused
        pair.list([container(a, state: .exited), container(b, state: .exited), container(c)])
        pair.run(for: .seconds(5))
        #expect(pair.dockerCommands.map(\.containerName) == ["web-8001"], "max_in_flight 1: the second waits")
        pair.finishAction(.failed("boom"))
        pair.run(for: .milliseconds(100))
        #expect(pair.dockerCommands.map(\.containerName) == ["web-8001", "web-8002"])
    }

    @Test func aCrashLoopSpendsItsRestartsWithBackoffThenRecreatesThenQuarantines() {
        var world = Harness(apps: [dockerApp(recovery: policy)])
        world.list([container(a), container(b)])
        world.run(for: .seconds(2))
        world.answers[a] = refused
        var finishedAt: [Instant] = []
        for _ in 0..<4 {
            world.list([container(a, state: .exited), container(b)])
            world.run(for: .seconds(40))
            guard !world.pendingCommands.isEmpty else { break }
            finishedAt.append(world.now)
            world.finishAction(.succeeded(newContainerID: world.pendingCommands.first?.action == .recreate ? "c8001-new" : nil))
            world.run(for: .milliseconds(500))
        }
        #expect(world.dockerCommands.map(\.action) == [.restart, .restart, .restart, .recreate])
        let waits = zip(finishedAt, world.dockerCommandTimes.dropFirst()).map { $1 - $0 - .milliseconds(500) }
        #expect(waits == [.seconds(8), .seconds(16), .seconds(32)], "backoff 4 s × 2^attempt after each action that did not help")
        world.list([container(a, id: "c8001-new", state: .exited), container(b)])
        world.run(for: .seconds(120))
        #expect(world.dockerCommands.count == 4, "quarantine takes no further action")
        guard case .quarantined(_, let reason) = world.recovery(a) else {
            Issue.record("expected quarantine, got \(String(describing: world.recovery(a)))")
            return
        }
        #expect(reason == .budgetSpent(restarts: 3, window: .seconds(600), recreated: true, trigger: .containerStopped(.exited)))
        #expect(world.desiredServing() == [b])
    }

    @Test func backoffGrowsBetweenFailedAttempts() {
        var world = Harness(apps: [dockerApp(recovery: RecoveryPolicy(
            drainTimeout: .zero, maxRestarts: 10, backoff: Backoff(base: .seconds(4), cap: .seconds(60), jitter: 0)))])
        world.list([container(a), container(b)])
        world.run(for: .seconds(2))
        world.answers[a] = refused
        world.list([container(a, state: .exited), container(b)])
        var finishedAt: [Instant] = []
        while world.dockerCommands.count < 4, world.now < Instant.zero + .seconds(120) {
            if !world.pendingCommands.isEmpty {
                world.finishAction(.failed("no such image"))
                finishedAt.append(world.now)
            }
            world.run(for: .milliseconds(100))
        }
        let gaps = zip(finishedAt, world.dockerCommandTimes.dropFirst()).map { $1 - $0 }
        #expect(gaps == [.seconds(4), .seconds(8), .seconds(16)], "each failed attempt doubles the wait before the next")
    }

    @Test func anUnreachableEngineSpendsNoBudget() {
        var world = Harness(apps: [dockerApp(recovery: RecoveryPolicy(
            drainTimeout: .zero, maxRestarts: 1, backoff: Backoff(base: .seconds(1), cap: .seconds(1), jitter: 0), recreate: false))])
        world.list([container(a), container(b)])
        world.run(for: .seconds(2))
        world.answers[a] = refused
        world.list([container(a, state: .exited), container(b)])
        for _ in 0..<3 {
            world.finishAction(.engineUnavailable("connection refused"))
            world.run(for: .seconds(2))
        }
        #expect(world.dockerCommands.count == 4)
        #expect(world.recovery(a)?.label == "restarting", "with the engine away the one restart in the budget is still there")
    }

    @Test func aContainerReplacedFromOutsideLeavesQuarantineAndMustPassAgain() {
        var world = Harness(apps: [dockerApp(recovery: RecoveryPolicy(drainTimeout: .zero, maxRestarts: 0, recreate: false))])
        world.list([container(a), container(b)])
        world.run(for: .seconds(2))
        world.answers[a] = refused
        world.list([container(a, state: .exited), container(b)])
        #expect(world.recovery(a)?.label == "quarantined")
        world.answers[a] = nil
        world.list([container(a, id: "replacement"), container(b)])
        #expect(world.recovery(a) == .idle)
        #expect(world.recoveryEvents.last?.kind == .released(.containerReplaced))
        #expect(world.desiredServing() == [b])
        world.run(for: .seconds(2))
        #expect(world.lastServing == [a, b])
    }

    @Test func aStaleListingFromBeforeTheRestartTriggersNothing() {
        var world = Harness(apps: [dockerApp(recovery: policy)])
        world.list([container(a), container(b)])
        world.run(for: .seconds(2))
        world.list([container(a, state: .exited), container(b)])
        let listedBefore = world.now
        world.run(for: .milliseconds(100))
        world.finishAction()
        world.absorb(world.core.containersListed([try! AppName(validating: "web"): [container(a, state: .exited), container(b)]], listedAt: listedBefore, now: world.now))
        world.run(for: .milliseconds(100))
        #expect(world.dockerCommands.count == 1)
    }
}

@Suite struct ContainerLabelTests {
    let source = DockerSource(selector: ["picket.app": "web"], port: 8080)

    @Test func labelsOverridePortWeightBackupHealthPathAndType() throws {
        let result = ContainerLabels.instance(
            labels: ["picket.port": "9000", "picket.weight": "3", "picket.backup": "true", "picket.health.path": "/ready", "picket.health.type": "https"],
            host: "127.0.0.1", source: source)
        let (instance, overrides) = try result.get()
        #expect(instance == InstanceSpec(address: address("127.0.0.1:9000"), weight: 3, backup: true))
        #expect(overrides == ContainerLabels.CheckOverrides(path: "/ready", type: .https))
    }

    @Test func aTypeLabelTurnsTheAppsCheckIntoThatTypeKeepingWhatBothShare() {
        let app = HealthCheckSpec(kind: .http(HTTPCheck(path: "/health", headers: [HeaderField(name: "x-key", value: "1")])))
        let https = app.withType(.https)
        #expect(https.type == .https && https.tls == TLSSpec() && https.kind == app.kind)
        let grpc = app.withType(.grpc)
        #expect(grpc.kind == .grpc(GRPCCheck(metadata: [HeaderField(name: "x-key", value: "1")])) && grpc.tls == nil)
        #expect(https.withType(.http) == app)
        #expect(app.withType(.tcp).kind == .tcp(TCPCheck()))
        #expect(app.withType(nil) == app)
    }

    @Test(arguments: [
        (["picket.weight": "heavy"], "label picket.weight='heavy' must be a whole number from 1 to 1000"),
        (["picket.backup": "yes"], "label picket.backup='yes' must be true or false"),
        (["picket.port": "0"], "label picket.port='0' must be a port number from 1 to 65535"),
        (["picket.health.path": "/a b"], "label picket.health.path='/a b' must be an absolute path"),
        (["picket.health.type": "udp"], "label picket.health.type='udp' must be one of http, https, tcp, grpc"),
    ])
    func aBadLabelIsRejectedByName(labels: [String: String], message: String) {
        guard case .failure(let error) = ContainerLabels.instance(labels: labels, host: "127.0.0.1", source: source) else {
            Issue.record("accepted \(labels)")
            return
        }
        #expect(error.description.hasPrefix(message), "\(error)")
    }

    @Test func aContainerWithoutAnyPortIsRejected() {
        let noPort = DockerSource(selector: ["picket.app": "web"])
        guard case .failure(let error) = ContainerLabels.instance(labels: [:], host: "127.0.0.1", source: noPort) else {
            Issue.record("accepted a container without a port")
            return
        }
        #expect(error.label == "picket.port")
    }

    @Test func theSelectorNeedsEveryLabel() {
        let selector = DockerSource(selector: ["picket.app": "web", "env": "prod"])
        #expect(selector.selects(labels: ["picket.app": "web", "env": "prod", "other": "x"]))
        #expect(!selector.selects(labels: ["picket.app": "web"]))
        #expect(!selector.selects(labels: ["picket.app": "web", "env": "dev"]))
    }
}
