import Testing
import PicketCore

@Suite struct ReconcilerTests {
    let three = ["127.0.0.1:8001", "127.0.0.1:8002", "127.0.0.1:8003"]

    @Test func holdsTheFileUntilEveryBackendHasAVerdict() {
        var world = Harness(apps: [app(three)])
        world.answers["127.0.0.1:8003"] = refused
        let third = BackendID(app: try! AppName(validating: "web"), address: address("127.0.0.1:8003"))
        while world.core.backend(third)?.state.consecutiveFailures == 0 { world.run(for: .milliseconds(10)) }
        #expect(world.phase("127.0.0.1:8003") == .pending)
        #expect(world.applies.isEmpty, "a backend with no verdict yet must keep the existing file in place")
        world.run(for: .seconds(3))
        #expect(world.applies.count == 1)
        #expect(world.applies.first?.reason == .firstRound)
        #expect(world.lastServing == ["127.0.0.1:8001", "127.0.0.1:8002"])
    }

    @Test func spreadsFirstProbesAcrossTheInterval() {
        let addresses = (1...200).map { "127.0.0.1:\(9000 + $0)" }
        var world = Harness(apps: [app(addresses)])
        world.run(until: Instant.zero + .seconds(1))
        let offsets = world.probesSent.filter { $0.dueAt < Instant.zero + .seconds(1) }.map(\.dueAt.nanoseconds)
        #expect(offsets.count == 200)
        let firstHalf = offsets.filter { $0 < 500_000_000 }.count
        #expect((70...130).contains(firstHalf), "first probes should be spread over the interval, got \(firstHalf) of 200 in its first half")
    }

    @Test func ejectsAFailingBackendWithinThresholdIntervalsPlusTheCoalescingBound() {
        var world = Harness(apps: [app(three)])
        world.run(for: .seconds(2))
        #expect(world.lastServing.count == 3)
        let failedAt = world.now
        world.answers["127.0.0.1:8002"] = refused
        world.run(for: .seconds(4))
        let ejection = world.applies.last
        #expect(ejection?.changes == [removed("127.0.0.1:8002", .failed(failures: 3, .refused, circuit: .closed))])
        let downAt = world.transitions.first { $0.to.phase == .down }!.at
        #expect(downAt - failedAt <= .seconds(3) + .milliseconds(10))
        #expect(world.lastServing == ["127.0.0.1:8001", "127.0.0.1:8003"])
    }

    @Test func appliesOnceForABurstOfChangesAndNeverWhenNothingChanges() {
        let settings = ControllerSettings(coalesceQuiet: .seconds(1), coalesceMax: .milliseconds(1500), resyncInterval: .seconds(3600))
        var world = Harness(apps: [app(three)], settings: settings)
        world.run(for: .seconds(2))
        #expect(world.applies.count == 1)
        world.run(for: .seconds(30))
        #expect(world.applies.count == 1, "steady health must not cause applies")
        world.answers["127.0.0.1:8001"] = refused
        world.answers["127.0.0.1:8002"] = refused
        world.run(for: .seconds(4))
        #expect(world.applies.count == 2)
        #expect(world.applies.last?.changes.count == 2)
    }

    @Test func coalescingDeadlineIsBoundedByTheMaximumWindow() {
        var coalescer = Coalescer(quiet: .milliseconds(100), max: .milliseconds(250))
        for ms in stride(from: 0, through: 240, by: 60) {
            coalescer.noteChange(at: Instant.zero + .milliseconds(ms))
        }
        #expect(coalescer.deadline == Instant.zero + .milliseconds(250))
        var single = Coalescer(quiet: .milliseconds(100), max: .milliseconds(250))
        single.noteChange(at: .zero)
        #expect(single.deadline == Instant.zero + .milliseconds(100))
    }

    @Test func anUrgentChangeIsDueAtOnceAndTakesPendingChangesAlong() {
        var coalescer = Coalescer(quiet: .milliseconds(100), max: .milliseconds(250))
        coalescer.noteChange(at: .zero)
        coalescer.noteUrgentChange(at: Instant.zero + .milliseconds(30))
        coalescer.noteChange(at: Instant.zero + .milliseconds(40))
        #expect(coalescer.deadline == Instant.zero + .milliseconds(30), "later changes do not postpone it")
        coalescer.reset()
        coalescer.noteChange(at: Instant.zero + .milliseconds(300))
        #expect(coalescer.deadline == Instant.zero + .milliseconds(400), "after an apply, changes wait for quiet again")
    }

    @Test func keepsProbingAnOpenCircuitAndReadmitsAfterTheHealthSuccessThreshold() {
        let circuit = CircuitSpec(failureThreshold: 5, recoveryTimeout: .seconds(30), jitter: 0)
        var world = Harness(apps: [app(three, circuit: circuit)])
        world.run(for: .seconds(2))
        world.answers["127.0.0.1:8003"] = refused
        world.run(for: .seconds(6))
        #expect(world.core.backend(BackendID(app: try! AppName(validating: "web"), address: address("127.0.0.1:8003")))?.state.circuit == .open)
        let probesBefore = world.probesSent.filter { $0.target.description == "127.0.0.1:8003" }.count
        world.run(for: .seconds(8))
        let probesDuring = world.probesSent.filter { $0.target.description == "127.0.0.1:8003" }.count - probesBefore
        #expect(probesDuring >= 7, "an open circuit is still probed at the down interval, got \(probesDuring) probes in 8 s")
        world.answers["127.0.0.1:8003"] = nil
        let back = world.now
        world.run(for: .seconds(2))
        #expect(world.phase("127.0.0.1:8003") == .up)
        let readmitted = world.transitions.last { $0.backend.address.description == "127.0.0.1:8003" }!
        #expect(readmitted.to == Health(phase: .up, circuit: .closed))
        #expect(readmitted.at - back <= .seconds(1) + .milliseconds(10), "one pass (success_threshold 1) within a down interval")
        #expect(world.lastServing.contains("127.0.0.1:8003"))
    }

    @Test func retriesAFailedProbeBeforeCountingIt() {
        var check = HealthCheckSpec(interval: .seconds(1), jitter: 0)
        check.maxRetries = 2
        var world = Harness(apps: [app(["127.0.0.1:8001"], check: check)])
        world.run(for: .seconds(2))
        world.answers["127.0.0.1:8001"] = refused
        while world.core.backends[0].state.consecutiveFailures == 0 { world.run(for: .milliseconds(10)) }
        let attempts = world.probesSent.suffix(3).map(\.attempt)
        #expect(attempts == [0, 1, 2])
        #expect(world.core.backends[0].state.consecutiveFailures == 1, "three attempts of one check count as one failure")
    }

    /// A check's port override gives the probes their target; every probe of a backend shares one
    /// subject until a reload changes the check, and the probes after it go to the new port.
    @Test func aBackendsProbesShareOneSubjectUntilAReloadChangesItsCheck() {
        var check = HealthCheckSpec(interval: .seconds(1), jitter: 0)
        check.port = 9001
        var world = Harness(apps: [app(["127.0.0.1:8001"], check: check)])
        world.run(for: .seconds(3))
        let before = world.probesSent
        #expect(before.count >= 3)
        #expect(before.allSatisfy { $0.target.description == "127.0.0.1:9001" && $0.backend.address.description == "127.0.0.1:8001" })
        #expect(before.allSatisfy { $0.subject === before[0].subject }, "made once, not once per probe")
        #expect(String(decoding: before[0].subject.requestBytes, as: UTF8.self).contains("\r\nHost: 127.0.0.1:9001\r\n"))
        check.port = 9002
        world.reload([app(["127.0.0.1:8001"], check: check)])
        world.probesSent.removeAll()
        world.run(for: .seconds(2))
        #expect(!world.probesSent.isEmpty)
        #expect(world.probesSent.allSatisfy { $0.target.description == "127.0.0.1:9002" }, "the reload's port, not the old subject's")
        #expect(world.probesSent.allSatisfy { String(decoding: $0.subject.requestBytes, as: UTF8.self).contains("\r\nHost: 127.0.0.1:9002\r\n") })
    }

    @Test func ignoresAReportForABackendThatWasRemovedAndReAdded() {
        var world = Harness(apps: [app(three)])
        world.run(for: .seconds(2))
        world.fireNextTimer()
        let stale = world.outstanding.first!
        world.outstanding.removeAll()
        world.reload([app(three.filter { $0 != stale.target.description })])
        world.reload([app(three)])
        let effects = world.core.probeCompleted(stale.report(refused), now: world.now)
        #expect(effects.isEmpty)
    }

    @Test func keepsStateOfUnchangedBackendsAcrossAReloadAndDropsRemovedOnesAtOnce() {
        var world = Harness(apps: [app(three)])
        world.answers["127.0.0.1:8002"] = refused
        world.run(for: .seconds(5))
        world.reload([app(["127.0.0.1:8002", "127.0.0.1:8003"])])
        #expect(world.core.backends.first { $0.id.address.description == "127.0.0.1:8002" }?.state.circuit == .open)
        #expect(world.core.backends.first { $0.id.address.description == "127.0.0.1:8002" }!.state.consecutiveFailures >= 5)
        world.run(for: .milliseconds(300))
        #expect(world.applies.last?.changes == [removed("127.0.0.1:8001", .removed(.removedFromConfig))])
    }

    @Test func addsANewBackendOnlyAfterItPassesItsChecks() {
        var check = HealthCheckSpec(interval: .seconds(1), jitter: 0)
        check.successThreshold = 2
        var world = Harness(apps: [app(three, check: check)])
        world.run(for: .seconds(3))
        world.reload([app(three + ["127.0.0.1:8004"], check: check)])
        world.run(for: .milliseconds(400))
        #expect(!world.lastServing.contains("127.0.0.1:8004"))
        world.run(for: .seconds(3))
        #expect(world.lastServing.contains("127.0.0.1:8004"))
        #expect(world.applies.last?.changes == [added("127.0.0.1:8004", .passed(successes: 2))])
    }

    @Test func drainingTakesAnInstanceOutAndSaysWhy() {
        var world = Harness(apps: [app(three)])
        world.run(for: .seconds(2))
        world.reload([app(three, drained: ["127.0.0.1:8001"])])
        world.run(for: .milliseconds(300))
        #expect(world.applies.last?.changes == [removed("127.0.0.1:8001", .drained(.config))])
        #expect(world.phase("127.0.0.1:8001") == .up, "a drained backend keeps being checked")
    }

    @Test(arguments: [AllDownPolicy.failOpen, .failClosed])
    func neverRendersAnEmptyUpstream(policy: AllDownPolicy) {
        var world = Harness(apps: [app(three, whenAllDown: policy)])
        world.run(for: .seconds(2))
        for address in three { world.answers[address] = refused }
        world.run(for: .seconds(5))
        let upstream = world.applies.last!.upstreams.upstreams[0]
        #expect(upstream.servers.count == 3)
        #expect(upstream.allDown == .failed(policy))
        #expect(upstream.servers.allSatisfy { $0.down == (policy == .failClosed) })
        #expect(world.observations.contains(.allDown(app: try! AppName(validating: "web"), .failed(policy))))
    }

    @Test(arguments: [AllDownPolicy.failOpen, .failClosed])
    func anAppWithoutInstancesSaysNoContainersNotThatItsBackendsFailed(policy: AllDownPolicy) {
        let upstream = Upstream(app: app([], whenAllDown: policy)) { _ in .serving(rampStep: nil) }
        #expect(upstream.allDown == .noContainers)
        #expect(upstream.servers.map(\.address) == [.placeholder] && upstream.servers[0].down, "one down placeholder, whatever the policy")
    }

    @Test func hashBalancingKeepsEjectedServersInPlaceMarkedDown() {
        let key = try! HashKey(validating: "$request_uri")
        var world = Harness(apps: [app(three, balance: .hash(key: key, consistent: true))])
        world.answers["127.0.0.1:8002"] = refused
        world.run(for: .seconds(5))
        let servers = world.applies.last!.upstreams.upstreams[0].servers
        #expect(servers.map(\.address.description) == three)
        #expect(servers.map(\.down) == [false, true, false])
    }

    @Test func retriesAFailedApplyWithGrowingBackoffUntilItSucceeds() {
        var world = Harness(apps: [app(three)])
        world.applyOutcome = .failed("nginx -t failed")
        world.run(for: .seconds(6))
        let delays = world.observations.compactMap { if case .applyRetryScheduled(_, let d) = $0 { return d } else { return nil } }
        #expect(delays.count >= 2)
        #expect(delays[1] > delays[0])
        #expect(world.core.applied == nil)
        world.applyOutcome = .applied
        world.run(for: .seconds(8))
        #expect(world.applies.last?.reason == .retry)
        #expect(world.core.applied == world.core.desiredUpstreams)
    }

    @Test func anAppWhoseUpstreamNginxRefusesKeepsItsLastOneAndNeverHoldsBackTheOthers() {
        let bad = address("127.0.0.9:9")
        var world = Harness(apps: [app(three), app(["127.0.1.1:80"], name: "other")])
        world.run(for: .seconds(2))
        let accepted = world.core.applied!.upstreams[1]
        world.judge = { plan in
            plan.upstreams.upstreams.contains { $0.servers.contains { $0.address == bad } }
                ? .rejected(app: try! AppName(validating: "other"), "host not found in upstream") : .applied
        }
        world.reload([app(three), app(["127.0.1.1:80", "127.0.0.9:9"], name: "other")])
        world.run(for: .seconds(2))
        #expect(world.observations.contains(.upstreamRejected(app: try! AppName(validating: "other"), message: "host not found in upstream")))
        #expect(world.core.applied?.upstreams[1] == accepted, "the refused app keeps its last accepted upstream")
        world.answers["127.0.0.1:8002"] = refused
        world.run(for: .seconds(3))
        #expect(world.core.applied?.upstreams[0].servers.map(\.address.description) == ["127.0.0.1:8001", "127.0.0.1:8003"],
            "another app's change goes ahead at once")
        #expect(!world.observations.contains { if case .applyRetryScheduled = $0 { true } else { false } }, "no backoff for the others")
        world.reload([app(three), app(["127.0.1.1:80", "127.0.1.2:80"], name: "other")])
        world.run(for: .seconds(3))
        #expect(world.core.applied?.upstreams[1].servers.map(\.address.description) == ["127.0.1.1:80", "127.0.1.2:80"],
            "a changed upstream for the app is tried again")
    }

    /// A template that renders invalid config refuses the app's old upstream as much as its new one;
    /// with another app's change pending, the set would otherwise alternate between the two at every
    /// coalescing window, an `nginx -t` each time.
    @Test func whenNginxRefusesEvenAnAppsLastAcceptedUpstreamApplyingBacksOffInsteadOfAlternating() {
        var world = Harness(apps: [app(three), app(["127.0.1.1:80"], name: "other")])
        world.run(for: .seconds(2))
        let accepted = world.core.applied
        world.judge = { _ in .rejected(app: try! AppName(validating: "other"), "unknown directive \"bogus\"") }
        world.reload([app(Array(three.prefix(2))), app(["127.0.1.1:80", "127.0.1.2:80"], name: "other")])
        let before = world.applies.count
        world.run(for: .seconds(5))
        let retries = world.observations.compactMap { if case .applyRetryScheduled(_, let d) = $0 { return d } else { return nil } }
        #expect(world.applies.count - before < 8, "a few attempts in 5 s, not one per coalescing window: \(world.applies.count - before)")
        #expect(retries.count >= 2 && retries[1] > retries[0], "a growing backoff: \(retries)")
        #expect(world.core.applied == accepted)
    }

    @Test func resyncsPeriodicallyEvenWithoutChanges() {
        let settings = ControllerSettings(resyncInterval: .seconds(10))
        var world = Harness(apps: [app(three)], settings: settings)
        world.run(for: .seconds(25))
        #expect(world.applies.map(\.reason) == [.firstRound, .resync, .resync])
    }

    @Test func disabledCheckMeansNoProbesAndAlwaysInRotation() {
        var check = HealthCheckSpec()
        check.enabled = false
        var world = Harness(apps: [app(three, check: check)])
        world.run(for: .seconds(10))
        #expect(world.probesSent.isEmpty)
        #expect(world.lastServing == three)
    }
}

@Suite struct LocalFaultTests {
    @Test func aProbeThatCouldNotBeMadeNeverCountsAgainstTheBackend() {
        var world = Harness(apps: [app(["127.0.0.1:8001", "127.0.0.1:8002"])])
        world.run(for: .seconds(2))
        #expect(world.lastServing == ["127.0.0.1:8001", "127.0.0.1:8002"])
        let transitionsBefore = world.transitions.count
        let exhausted = ProbeOutcome.inconclusive(.descriptorsExhausted, ProbeEvidence(message: "Too many open files"))
        world.answers["127.0.0.1:8001"] = exhausted
        world.answers["127.0.0.1:8002"] = exhausted
        world.run(for: .seconds(30))
        #expect(world.phase("127.0.0.1:8001") == .up)
        #expect(world.phase("127.0.0.1:8002") == .up)
        #expect(world.transitions.count == transitionsBefore)
        #expect(world.lastServing == ["127.0.0.1:8001", "127.0.0.1:8002"])
        let probes = world.probesSent.filter { $0.target.description == "127.0.0.1:8001" }.count
        #expect(probes >= 30, "a backend keeps being probed at its interval through a local fault, got \(probes) probes")
    }
}

@Suite struct StreamUpstreamTests {
    @Test func aStreamAppsUpstreamCarriesItsContextAndNoKeepalive() {
        var spec = app(["127.0.0.1:6379", "127.0.0.1:6380"], name: "redis", balance: .random(twoLeastConn: true))
        spec.context = .stream
        spec.keepalive = 16
        let upstream = Upstream(app: spec) { _ in .serving(rampStep: nil) }
        #expect(upstream.context == .stream)
        #expect(upstream.keepalive == nil, "keepalive is an http directive")
        #expect(upstream.balance.description == "random two least_conn")
        #expect(!Balance.ipHash.worksInStream && Balance.random(twoLeastConn: false).worksInStream)
    }
}
