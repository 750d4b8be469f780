import Testing
import PicketCore

/// Passive outlier detection on a manual clock: nginx's logged attempts, folded into tallies, eject a
/// backend between probes, with Envoy's semantics.
@Suite struct PassiveTests {
    let a = "127.0.0.1:8001", b = "127.0.0.1:8002", c = "127.0.0.1:8003"
    let ok = PassiveAttempt(status: 200, connectFailed: false, loggedAt: 1_800_000_000)
    let error500 = PassiveAttempt(status: 500, connectFailed: false, loggedAt: 1_800_000_001)
    let badGateway = PassiveAttempt(status: 502, connectFailed: false, loggedAt: 1_800_000_002)
    let noConnection = PassiveAttempt(status: 502, connectFailed: true, loggedAt: 1_800_000_003)

    func id(_ text: String) -> BackendID {
        BackendID(app: try! AppName(validating: "web"), address: address(text))
    }

    func tally(_ attempts: [PassiveAttempt]) -> PassiveTally {
        var tally = PassiveTally()
        for attempt in attempts { tally.add(attempt) }
        return tally
    }

    func threeBackends(passive: PassiveSpec = PassiveSpec()) -> Harness {
        var spec = app([a, b, c])
        spec.passive = passive
        var world = Harness(apps: [spec])
        world.run(for: .seconds(2))
        return world
    }

    @Test func mergedRunsCountExactlyTheLongestRunOfFailures() {
        var random = RandomSource(seed: 42)
        for _ in 0..<500 {
            let results = (0..<Int(random.next() % 40)).map { _ in random.next() % 3 != 0 }
            let streakBefore = Int(random.next() % 4)
            var longest = streakBefore, current = streakBefore
            for failed in results {
                current = failed ? current + 1 : 0
                longest = max(longest, current)
            }
            var whole = FailureRun()
            var pieces: [FailureRun] = [FailureRun()]
            for failed in results {
                var one = FailureRun()
                one.merge(single(failed))
                whole.merge(one)
                if random.next() % 4 == 0 { pieces.append(FailureRun()) }
                pieces[pieces.count - 1].merge(one)
            }
            var merged = FailureRun()
            for piece in pieces { merged.merge(piece) }
            #expect(merged == whole, "splitting a stream anywhere gives the same summary")
            let direct = tally(results.map { $0 ? error500 : ok })
            #expect(direct.fiveXX == whole)
            let after = longestRun(whole, after: streakBefore)
            #expect(after.peak == longest && after.streak == current, "\(results)")
        }
    }

    private func single(_ failed: Bool) -> FailureRun {
        tally([failed ? error500 : ok]).fiveXX
    }

    private func longestRun(_ run: FailureRun, after streak: Int) -> (peak: Int, streak: Int) {
        guard run.sawSuccess else { return (streak + run.leading, streak + run.leading) }
        return (max(streak + run.leading, run.longestInside, run.trailing), run.trailing)
    }

    @Test func fiveConsecutive5xxFromLiveTrafficEjectAtOnceWithEvidence() {
        var world = threeBackends()
        let before = world.applies.count
        world.absorb(world.core.passiveReported([id(b): tally([ok, error500, error500, error500, error500])], now: world.now))
        #expect(world.core.backend(id(b))?.inRotation == true, "four in a row are not enough")
        world.absorb(world.core.passiveReported([id(b): tally([error500])], now: world.now))
        guard case .ejected(let ejection) = world.core.backend(id(b))?.rotation else {
            Issue.record("not ejected: \(String(describing: world.core.backend(id(b))?.rotation))")
            return
        }
        #expect(ejection.rule == .consecutive5xx && ejection.count == 5 && ejection.lastFailure == error500)
        #expect(ejection.until - ejection.at == .seconds(30))
        #expect(world.applies.count == before + 1 && world.applyTimes.last == ejection.at, "applied at once, without waiting for coalesce.quiet")
        world.run(for: .milliseconds(300))
        #expect(world.applies.count == before + 1)
        #expect(world.lastServing == [a, c], "out of the file within one apply")
        #expect(world.rotationChanges.last?.reason == .ejected(ejection))
    }

    @Test func anEjectedBackendReturnsOnlyWhenItsTimeIsOverAndItsChecksPass() {
        var world = threeBackends()
        world.absorb(world.core.passiveReported([id(b): tally(Array(repeating: error500, count: 5))], now: world.now))
        world.run(for: .seconds(29))
        #expect(!world.lastServing.contains(b), "its active checks pass, but the ejection time is not over")
        world.run(for: .seconds(2))
        #expect(world.lastServing.contains(b))

        world.absorb(world.core.passiveReported([id(c): tally(Array(repeating: badGateway, count: 5))], now: world.now))
        guard case .ejected(let ejection) = world.core.backend(id(c))?.rotation else {
            Issue.record("not ejected")
            return
        }
        #expect(ejection.rule == .consecutiveGatewayFailure, "a 502 is a 5xx as well; the most specific rule names it")
        world.answers[c] = refused
        world.run(for: .seconds(40))
        #expect(!world.lastServing.contains(c), "the ejection is over but its checks fail: it stays out, as down")
        #expect(world.core.backend(id(c))?.rotation == .failed(failures: world.core.backend(id(c))!.state.consecutiveFailures, .refused, circuit: .open))
    }

    @Test func repeatedEjectionsLastLongerAndAreForgivenWhileHealthy() {
        var world = threeBackends(passive: PassiveSpec(interval: .seconds(10), baseEjectionTime: .seconds(5), maxEjectionTime: .seconds(12)))
        var lengths: [Duration] = []
        for _ in 0..<3 {
            world.absorb(world.core.passiveReported([id(b): tally(Array(repeating: error500, count: 5))], now: world.now))
            if case .ejected(let ejection) = world.core.backend(id(b))?.rotation { lengths.append(ejection.until - ejection.at) }
            world.run(for: .seconds(13))
        }
        #expect(lengths == [.seconds(5), .seconds(10), .seconds(12)], "base × n, capped")
        world.run(for: .seconds(60))
        world.absorb(world.core.passiveReported([id(b): tally(Array(repeating: error500, count: 5))], now: world.now))
        guard case .ejected(let later) = world.core.backend(id(b))?.rotation else {
            Issue.record("not ejected")
            return
        }
        #expect(later.ejections == 1, "a minute in rotation forgave the earlier ejections")
    }

    @Test func neverEjectsMoreThanMaxEjectionPercentAndSaysSoOnce() {
        var world = threeBackends()
        let failing = tally(Array(repeating: error500, count: 10))
        for _ in 0..<3 {
            world.absorb(world.core.passiveReported([id(a): failing, id(b): failing, id(c): failing], now: world.now))
        }
        let ejected = [a, b, c].filter { if case .ejected = world.core.backend(id($0))?.rotation { true } else { false } }
        #expect(ejected == [a], "50 % of three backends is one")
        let held = world.observations.filter { if case .passiveEjectionHeld = $0 { true } else { false } }
        #expect(held.count == 2, "b and c are kept, each said once")
        world.run(for: .milliseconds(300))
        #expect(world.lastServing == [b, c])
    }

    @Test func connectFailuresCountAsLocalOriginAndAFailurePercentageEjectsToo() {
        var world = threeBackends(passive: PassiveSpec(consecutive5xx: nil, consecutiveGatewayFailure: nil, consecutiveConnectFailure: 3))
        world.absorb(world.core.passiveReported([id(a): tally([noConnection, noConnection, ok, noConnection, noConnection, noConnection])], now: world.now))
        guard case .ejected(let ejection) = world.core.backend(id(a))?.rotation else {
            Issue.record("not ejected")
            return
        }
        #expect(ejection.rule == .consecutiveConnectFailure && ejection.count == 3)

        var percentage = threeBackends(passive: PassiveSpec(consecutive5xx: nil, consecutiveGatewayFailure: nil, consecutiveConnectFailure: nil, failurePercentage: 50, requestVolume: 20))
        let mixed = tally(Array(repeating: [ok, error500], count: 9).flatMap { $0 })
        percentage.absorb(percentage.core.passiveReported([id(b): mixed], now: percentage.now))
        #expect(percentage.core.backend(id(b))?.inRotation == true, "18 requests are below the volume")
        percentage.absorb(percentage.core.passiveReported([id(b): tally([ok, error500])], now: percentage.now))
        guard case .ejected(let byShare) = percentage.core.backend(id(b))?.rotation else {
            Issue.record("not ejected")
            return
        }
        #expect(byShare.rule == .failurePercentage && byShare.count == 50 && byShare.requests == 20)
    }
}
