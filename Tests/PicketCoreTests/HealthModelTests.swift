import Testing
import PicketCore

/// The health model's promises, on a manual clock: a recovered backend returns as fast as a dead one
/// leaves, a flapping one costs few reloads, and rotation is reported once per change for every cause.
@Suite struct HealthModelTests {
    let a = "127.0.0.1:8001", b = "127.0.0.1:8002", c = "127.0.0.1:8003"
    /// HAProxy-like settings: `inter 1s fall 2 rise 2`, Picket's default fast interval and circuit.
    let check = HealthCheckSpec(interval: .seconds(1), timeout: .milliseconds(500), failureThreshold: 2, successThreshold: 2, jitter: 0)
    let circuit = CircuitSpec()

    func id(_ text: String) -> BackendID {
        BackendID(app: try! AppName(validating: "web"), address: address(text))
    }

    @Test(arguments: [3, 10, 60, 600])
    func aBackendBackFromAnOutageIsReadmittedWithinOneProbeSpacingPlusItsPasses(seconds: Int) {
        var world = Harness(apps: [app([a, b, c], check: check, circuit: circuit)])
        world.run(for: .seconds(2))
        world.answers[b] = refused
        world.run(for: .seconds(seconds))
        #expect(!world.lastServing.contains(b))
        world.answers[b] = nil
        let back = world.now
        world.run(for: .seconds(10))
        guard let readmitted = world.applies.firstIndex(where: { $0.changes.contains(added(b, .passed(successes: 2))) }) else {
            Issue.record("not readmitted within 10 s after a \(seconds) s outage")
            return
        }
        let spacing = seconds > 30 ? circuit.maxProbeInterval * (1 + circuit.jitter) : check.interval
        let bound = spacing + check.fastInterval * (check.successThreshold - 1) + ControllerSettings().coalesceMax + .milliseconds(10)
        #expect(world.applyTimes[readmitted] - back <= bound, "after a \(seconds) s outage: \(world.applyTimes[readmitted] - back), bound \(bound)")
    }

    @Test func anUpBackendThatFailsOnceIsProbedAgainAfterTheFastInterval() {
        var world = Harness(apps: [app([a], check: check)])
        world.run(for: .seconds(3))
        world.answers[a] = refused
        world.run(for: .seconds(2))
        let times = world.probesSent.map(\.dueAt)
        let failedAt = world.transitions.first { $0.to.phase == .down }!.at
        let gaps: [Duration] = zip(times, times.dropFirst()).map { $1 - $0 }
        let fastGap: Duration = check.fastInterval + .milliseconds(1)
        #expect(gaps.contains(fastGap), "the check after the first failure comes a fast interval after it, gaps \(gaps)")
        let firstFailure: Instant = world.probesSent.last { $0.dueAt < failedAt + .milliseconds(-100) }!.dueAt
        #expect(failedAt - firstFailure <= check.fastInterval + .milliseconds(2))
        world.answers[a] = nil
        let passStart = world.now
        world.run(for: .seconds(2))
        let up = world.transitions.last { $0.to.phase == .up }!.at
        #expect(up - passStart <= check.interval + check.fastInterval + .milliseconds(5), "the second pass comes a fast interval after the first")
    }

    @Test func aHungBackendIsCheckedAgainBesideItsSilentCheckSoItLeavesAfterOneTimeoutAndAHalf() {
        let slow = HealthCheckSpec(interval: .seconds(1), timeout: .seconds(1), failureThreshold: 2, successThreshold: 2, jitter: 0)
        var world = Harness(apps: [app([a, b], check: slow)])
        world.run(for: .seconds(3))
        let hungAt = world.now
        world.answers[b] = .failed(.timeout, ProbeEvidence(latency: .seconds(1), message: "no answer in 1s"))
        world.run(until: world.now + .seconds(4), latency: .seconds(1))
        let down = world.transitions.first { $0.backend.address.description == b && $0.to.phase == .down }!.at
        #expect(down - hungAt <= .seconds(2) + .milliseconds(600), "the second check went out half a timeout after the first: \(down - hungAt)")
        let sentToB = world.probesSent.filter { $0.target.description == b && $0.dueAt >= hungAt }.map(\.dueAt)
        #expect(zip(sentToB, sentToB.dropFirst()).contains { $1 - $0 == .milliseconds(500) }, "an edge probe half a timeout after a silent one")
        world.answers[b] = nil
        world.run(until: world.now + .seconds(10), latency: .milliseconds(1))
        let healthy = world.probesSent.filter { $0.target.description == a && $0.dueAt >= hungAt }.count
        #expect(healthy <= 15, "a backend that answers at once gets no edge probes: \(healthy) checks in 14 s")
    }

    @Test func hungBackendsOfAppsWithDifferentTimeoutsEachGetTheirEdgeProbeAtHalfTheirOwnTimeout() {
        let short = HealthCheckSpec(interval: .seconds(1), timeout: .seconds(1), failureThreshold: 2, successThreshold: 2, jitter: 0)
        let long = HealthCheckSpec(interval: .seconds(1), timeout: .seconds(3), failureThreshold: 2, successThreshold: 2, jitter: 0)
        var world = Harness(apps: [app([a], name: "short", check: short), app([b], name: "long", check: long)])
        world.run(for: .seconds(3))
        let hungAt = world.now
        world.answers[a] = .failed(.timeout, ProbeEvidence(latency: .seconds(1), message: "no answer in 1s"))
        world.answers[b] = .failed(.timeout, ProbeEvidence(latency: .seconds(3), message: "no answer in 3s"))
        world.run(until: world.now + .seconds(3), latency: .seconds(3))
        for (backend, edge) in [(a, Duration.milliseconds(500)), (b, .milliseconds(1500))] {
            let sent = world.probesSent.filter { $0.target.description == backend && $0.dueAt >= hungAt }.map(\.dueAt)
            #expect(sent.count >= 2 && sent[1] - sent[0] == edge, "\(backend): the edge probe half its own timeout after the silent one, sent at \(sent)")
        }
    }

    @Test func anEdgeProbeCountsFromWhenItsCheckWentOutNotFromWhenItWasDue() {
        var world = Harness(apps: [app([a], check: check)])
        world.run(for: .seconds(3))
        let due = world.core.nextDeadline!
        let sentAt = due + .milliseconds(300)  // the loop was late: the edge's delay has passed since `due`
        world.now = sentAt
        world.absorb(world.core.timerFired(now: sentAt))
        #expect(world.outstanding.count == 1 && world.outstanding.allSatisfy { !$0.edge }, "only the check itself goes out: \(world.outstanding)")
        world.absorb(world.core.timerFired(now: sentAt + .milliseconds(249)))
        #expect(world.outstanding.count == 1, "no edge before half a timeout after the check went out")
        world.absorb(world.core.timerFired(now: sentAt + .milliseconds(250)))
        #expect(world.outstanding.count == 2 && world.outstanding[1].edge, "the edge, half a timeout after the check went out: \(world.outstanding)")
    }

    @Test func aShedEdgeProbeJudgesNothingAndTheNextSilentCheckGetsItsEdgeAgain() {
        var world = Harness(apps: [app([a], check: check)])
        world.run(for: .seconds(3))
        world.fireNextTimer()
        world.fireNextTimer()
        #expect(world.outstanding.count == 2, "a silent check and its edge")
        let (check, edge) = (world.outstanding[0], world.outstanding[1])
        #expect(edge.edge && !check.edge)
        let before = world.core.backend(id(a))!.state
        let effects = world.core.probeCompleted(edge.report(.shed), now: world.now)
        #expect(effects.isEmpty, "no verdict, no retry, no new check: \(effects)")
        #expect(world.core.backend(id(a))!.state == before, "a probe never sent says nothing about the backend")
        world.absorb(world.core.probeCompleted(check.report(.passed(ProbeEvidence(statusCode: 200))), now: world.now))
        world.outstanding = []
        world.fireNextTimer()
        world.fireNextTimer()
        #expect(world.outstanding.count == 2 && world.outstanding[1].edge, "the shed edge's ticket was let go: \(world.outstanding)")
    }

    @Test func aBackendFlappingEveryThreeSecondsForTwoMinutesCostsFewReloads() {
        var world = Harness(apps: [app([a, b, c], check: check, circuit: circuit)])
        world.run(for: .seconds(2))
        let before = world.applies.count
        for _ in 0..<40 {
            world.answers[b] = refused
            world.run(for: .milliseconds(1500))
            world.answers[b] = nil
            world.run(for: .milliseconds(1500))
        }
        let reloads = world.applies.count - before
        #expect(reloads <= 4, "a flap every 3 s for 2 minutes caused \(reloads) applies")
        #expect((world.core.backend(id(b))?.state.flaps ?? 0) >= 1)
        world.run(for: .seconds(30))
        #expect(world.lastServing.contains(b), "once it stops flapping it returns after its hold-down")
    }

    @Test func slowStartRampsARejoiningServerInStepsOfItsWeight() {
        var spec = app([a, b], check: check)
        spec.slowStart = .seconds(20)
        var world = Harness(apps: [spec])
        world.run(for: .seconds(2))
        #expect(world.lastWeights == [a: 1, b: 1], "no ramp in the first round")
        world.answers[b] = refused
        world.run(for: .seconds(3))
        world.answers[b] = nil
        world.run(for: .seconds(3))
        let joined = world.applies.count - 1
        #expect(world.lastWeights == [a: 4, b: 1], "a quarter of its share when it rejoins")
        world.run(for: .seconds(5))
        #expect(world.lastWeights == [a: 4, b: 2])
        world.run(for: .seconds(5))
        #expect(world.lastWeights == [a: 4, b: 3])
        world.run(for: .seconds(5))
        #expect(world.lastWeights == [a: 1, b: 1], "full weight after slow_start")
        #expect(world.applies.count - joined == 4, "one apply per step")
        #expect(world.observations.filter { if case .slowStartStep = $0 { true } else { false } }.count == 3)
    }

    @Test func slowStartIsNotAppliedWithHashBalancing() {
        var spec = app([a, b], check: check, balance: .ipHash)
        spec.slowStart = .seconds(20)
        var world = Harness(apps: [spec])
        world.run(for: .seconds(2))
        world.answers[b] = refused
        world.run(for: .seconds(3))
        world.answers[b] = nil
        world.run(for: .seconds(30))
        #expect(world.lastWeights == [a: 1, b: 1])
        #expect(!world.observations.contains { if case .slowStartStep = $0 { true } else { false } })
    }

    @Test func everyCauseOfARotationChangeIsReportedOnceAndAgreesWithTheFile() throws {
        let policy = RecoveryPolicy(drainTimeout: .seconds(1), backoff: Backoff(base: .seconds(1), cap: .seconds(1), jitter: 0))
        var world = Harness(apps: [dockerApp(recovery: policy, check: check)])
        world.list([container(a), container(b), container(c)])
        world.run(for: .seconds(3))
        var expected: [(String, Bool, RotationReason)] = []
        func expectNext(_ address: String, _ inRotation: Bool, _ reason: RotationReason, _ comment: Comment) {
            expected.append((address, inRotation, reason))
            let seen = world.rotationChanges.suffix(expected.count).map { ($0.backend.address.description, $0.inRotation, $0.reason) }
            #expect(seen.map(\.0) == expected.map(\.0) && seen.map(\.1) == expected.map(\.1), comment)
            #expect(seen.last?.2 == reason, comment)
            #expect(world.rotationFromObservations == Set(world.desiredServing()), comment)
        }
        let first = world.rotationChanges.count
        #expect(first == 3)

        world.answers[a] = refused
        world.run(for: .milliseconds(1500))
        expectNext(a, false, .failed(failures: 2, .refused, circuit: .closed), "health")
        world.answers[a] = nil
        world.run(for: .seconds(3))
        expectNext(a, true, .passed(successes: 2), "readmission")

        world.absorb(try world.core.setOperatorDrain(id(b), drained: true, now: world.now))
        expectNext(b, false, .drained(.operator), "operator drain")
        world.absorb(try world.core.setOperatorDrain(id(b), drained: false, now: world.now))
        expectNext(b, true, .passed(successes: world.core.backend(id(b))!.state.consecutiveSuccesses), "operator undrain")

        world.list([container(a), container(b), container(c, health: .unhealthy)])
        expectNext(c, false, .dockerUnhealthy, "docker unhealthy (which starts a drain)")
        world.run(for: .seconds(2))
        world.finishAction()
        world.list([container(a), container(b), container(c)])
        world.run(for: .seconds(3))
        expectNext(c, true, .passed(successes: 2), "recovered")

        world.list([container(a), container(c)])
        expectNext(b, false, .removed(.containerGone), "removal")
        world.run(for: .seconds(1))
        #expect(world.rotationChanges.count == first + 7, "nothing else was reported")
    }
}

extension Harness {
    /// The weights of the last applied file, by address.
    var lastWeights: [String: Int] {
        Dictionary(uniqueKeysWithValues: (applies.last?.upstreams.upstreams.first?.servers ?? []).filter { !$0.down }.map { ($0.address.description, $0.weight) })
    }
}

@Suite struct CertificateWatchTests {
    let backend = BackendID(app: try! AppName(validating: "web"), address: try! ServerAddress(validating: "127.0.0.1:8443"))
    let day: Int64 = 86_400

    @Test func warnsOnceWhenDaysLeftFallUnderTheLimitAndAgainAfterARenewalThatIsAlsoClose() {
        var watch = CertificateWatch()
        let now: Int64 = 1_800_000_000
        #expect(watch.record(backend, expiry: now + 30 * day, warningDays: 14, now: now) == nil)
        #expect(watch.record(backend, expiry: now + 30 * day, warningDays: 14, now: now + 17 * day) == 13)
        #expect(watch.record(backend, expiry: now + 30 * day, warningDays: 14, now: now + 18 * day) == nil, "one warning per certificate")
        #expect(watch.record(backend, expiry: now + 100 * day, warningDays: 14, now: now + 18 * day) == nil, "renewed")
        #expect(watch.record(backend, expiry: now + 20 * day, warningDays: 14, now: now + 18 * day) == 2, "another certificate, close to expiry")
        #expect(watch.expiry(of: backend) == now + 20 * day)
        watch.forget([backend])
        #expect(watch.expiry(of: backend) == nil)
    }

    @Test func daysLeftRoundDownAndGoNegativeOncePassed() {
        #expect(CertificateWatch.daysLeft(expiry: 10 * day + 5, now: 0) == 10)
        #expect(CertificateWatch.daysLeft(expiry: 0, now: 1) == -1)
        #expect(CertificateWatch.daysLeft(expiry: 0, now: day) == -1)
        #expect(CertificateWatch.daysLeft(expiry: 0, now: day + 1) == -2)
    }
}
