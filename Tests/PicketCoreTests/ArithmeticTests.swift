import PicketCore
import Testing

/// Time arithmetic at the extremes: the config bounds every value, but the core must never trap on one
/// that slipped through (a crash here stops every health check at once).
@Suite struct ArithmeticTests {
    let huge = Duration.seconds(25_920_000_000)

    @Test func durationsBeyondTheTimelineSaturateInsteadOfWrapping() {
        #expect(huge.nanoseconds == .max, "2,400,000 h does not fit in Int64 nanoseconds and must not wrap to a small number")
        #expect((.zero - huge).nanoseconds == .min)
        #expect(Duration.seconds(5).nanoseconds == 5_000_000_000)
        #expect(Duration.milliseconds(-1500).nanoseconds == -1_500_000_000)
    }

    @Test func instantsSaturateAtTheEndsOfTheTimeline() {
        let late = Instant(nanoseconds: .max - 10)
        #expect(late + .seconds(1) == Instant(nanoseconds: .max))
        #expect(Instant(nanoseconds: .min + 10) + .seconds(-1) == Instant(nanoseconds: .min))
        #expect(Instant.zero + huge == Instant(nanoseconds: .max))
        #expect(Instant(nanoseconds: .max) - Instant(nanoseconds: .min) == .nanoseconds(Int64.max))
        #expect(Instant(nanoseconds: .min) - Instant(nanoseconds: .max) == .nanoseconds(Int64.min))
        #expect(Instant(nanoseconds: 7) - Instant(nanoseconds: 2) == .nanoseconds(5))
    }

    @Test(arguments: [
        (1e300, Int64.max), (-1e300, Int64.min), (Double.infinity, Int64.max), (-Double.infinity, Int64.min), (Double.nan, 0), (0.5, 2_500_000_000),
    ] as [(Double, Int64)])
    func scalingSaturatesAndANonNumberGivesZero(factor: Double, nanoseconds: Int64) {
        #expect(Duration.seconds(5).scaled(by: factor).nanoseconds == nanoseconds)
    }

    @Test func backoffNeverTrapsAndNeverExceedsItsCap() {
        let backoff = Backoff(base: huge, cap: huge, jitter: 0.5)
        var random = RandomSource(seed: 1)
        for attempt in [0, 1, 10, 62, 63, 1000, Int.max] {
            #expect(backoff.nominalDelay(attempt: attempt) == .nanoseconds(Int64.max))
            #expect(backoff.delay(attempt: attempt, random: &random) > .zero)
        }
        let small = Backoff(base: .seconds(1), cap: .seconds(60), jitter: 0)
        #expect(small.nominalDelay(attempt: Int.max) == .seconds(60))
        #expect(small.nominalDelay(attempt: Int.min) == .seconds(1))
        #expect(small.nominalDelay(attempt: 3) == .seconds(8))
    }

    @Test func aNegativeBaseWaitsNothingRatherThanGoingBackInTime() {
        let backoff = Backoff(base: .seconds(-5), cap: .seconds(-1), jitter: 0)
        #expect(backoff.nominalDelay(attempt: 4) == .zero)
    }

    @Test func jitterStaysWithinItsFractionAndIsNeverNegative() {
        var random = RandomSource(seed: 42)
        for _ in 0..<1000 {
            let spread = random.jittered(.seconds(10), by: 0.1)
            #expect(spread >= .seconds(9) && spread <= .seconds(11))
            #expect(random.jittered(.seconds(10), by: 25) >= .zero, "a jitter fraction above 1 is taken as 1")
            #expect(random.jittered(huge, by: 0.5) > .zero, "a huge base saturates instead of trapping")
        }
    }

    @Test func aCircuitWithHugeSpacingsAndHoldDownsRunsWithoutTrapping() {
        let circuit = CircuitSpec(
            failureThreshold: 1, recoveryTimeout: .seconds(1), maxProbeInterval: huge, jitter: 0.5, flapWindow: huge, holdDown: huge, maxHoldDown: huge)
        var world = Harness(apps: [app(["127.0.0.1:8001", "127.0.0.1:8002"], circuit: circuit)])
        world.answers["127.0.0.1:8001"] = refused
        for _ in 0..<3 {
            world.answers["127.0.0.1:8002"] = refused
            world.run(for: .seconds(20))
            world.answers["127.0.0.1:8002"] = nil
            world.run(for: .seconds(5))
        }
        #expect(world.phase("127.0.0.1:8001") == .down)
        #expect(world.core.nextDeadline != nil, "the backed-off probe is scheduled, saturated rather than wrapped into the past")
        #expect(circuit.holdDown(flaps: 100) == .nanoseconds(Int64.max))
    }
}
