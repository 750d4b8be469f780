import Testing

@testable import PicketCore

/// The probe timers come out earliest first (ties by token), however they were set: near and far,
/// in bursts at one instant, before the soonest one, or beyond the ring's reach.
@Suite struct ProbeTimersTests {
    /// SplitMix64: the same sequence on every run.
    private struct Seeded {
        var state: UInt64
        mutating func next(below bound: Int64) -> Int64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return Int64((z ^ (z >> 31)) % UInt64(bound))
        }
    }

    private static let second: Int64 = 1_000_000_000

    /// Checks every pop against a plain sorted list, with `min` agreeing before each pop.
    private func drain(_ timers: inout ProbeTimers, _ reference: inout [ProbeTimer], count: Int) {
        for _ in 0..<count {
            let expected = reference.min()
            #expect(timers.min == expected)
            let popped = timers.popMin()
            #expect(popped == expected)
            if let expected, let index = reference.firstIndex(of: expected) { reference.remove(at: index) }
            #expect(timers.count == reference.count)
        }
    }

    @Test(arguments: [UInt64(1), 2, 3, 4])
    func timersComeOutInOrderWhateverOrderTheyWentIn(seed: UInt64) {
        var random = Seeded(state: seed)
        var timers = ProbeTimers()
        var reference: [ProbeTimer] = []
        var now: Int64 = 1_000 * Self.second
        var token: UInt64 = 0
        for _ in 0..<4_000 {
            let due: Int64
            switch random.next(below: 10) {
            case 0: due = now  // a burst at one instant
            case 1: due = now - random.next(below: Self.second)  // overdue: before the head
            case 2: due = now + 20 * Self.second + random.next(below: 600 * Self.second)  // beyond the ring
            case 3: due = now + random.next(below: 4 * Self.second / 1_000)  // within a bucket of now
            default: due = now + Self.second + random.next(below: Self.second / 25) - Self.second / 50  // an interval ahead, jittered
            }
            token += 1
            let timer = ProbeTimer(due: Instant(nanoseconds: due), slot: Int32(token % 97), token: token)
            timers.insert(timer)
            reference.append(timer)
            #expect(timers.min == reference.min())
            if random.next(below: 3) == 0 {
                let pops = Int(random.next(below: 4))
                drain(&timers, &reference, count: min(pops, reference.count))
                if let soonest = timers.min { now = max(now, soonest.due.nanoseconds) }
            }
            now += random.next(below: Self.second / 100)
        }
        drain(&timers, &reference, count: reference.count + 1)
        #expect(timers.min == nil && timers.count == 0)
    }

    @Test func aTimerSetBeforeTheSoonestComesOutFirst() {
        var timers = ProbeTimers()
        timers.insert(ProbeTimer(due: Instant(nanoseconds: 10 * Self.second), slot: 0, token: 1))
        timers.insert(ProbeTimer(due: Instant(nanoseconds: 9 * Self.second), slot: 1, token: 2))
        timers.insert(ProbeTimer(due: Instant(nanoseconds: 9 * Self.second), slot: 2, token: 3))
        #expect(timers.popMin()?.token == 2)
        #expect(timers.popMin()?.token == 3)
        #expect(timers.popMin()?.token == 1)
        #expect(timers.popMin() == nil)
    }

    /// A long backoff set first, then the near timers: the far one waits its turn, and the ring moves
    /// back to the near ones.
    @Test func aTimerBeyondTheRingsReachComesOutInItsTurn() {
        var timers = ProbeTimers()
        timers.insert(ProbeTimer(due: Instant(nanoseconds: 300 * Self.second), slot: 0, token: 1))
        for token in UInt64(2)...50 {
            timers.insert(ProbeTimer(due: Instant(nanoseconds: Int64(token) * Self.second / 10), slot: 0, token: token))
        }
        timers.insert(ProbeTimer(due: Instant(nanoseconds: 30 * Self.second), slot: 0, token: 51))
        let order = (0..<51).compactMap { _ in timers.popMin()?.token }
        #expect(order == Array(2...50) + [51, 1])
    }
}
