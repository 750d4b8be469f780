import NIOConcurrencyHelpers
import Testing
@testable import PicketProbes

/// TLS and gRPC checks are bounded like plain ones: no more than the limit under way, the rest started
/// in order as places free up, and a changed limit applied to those waiting.
@Suite struct SecureGateTests {
    final class Started: Sendable {
        let order = NIOLockedValueBox<[Int]>([])
        func start(_ id: Int) -> @Sendable () -> Void { { self.order.withLockedValue { $0.append(id) } } }
        var ids: [Int] { order.withLockedValue { $0 } }
    }

    @Test func checksBeyondTheLimitWaitAndStartInOrderAsPlacesFreeUp() {
        let gate = SecureGate(limit: 2)
        let started = Started()
        for id in 1...5 { gate.enter(started.start(id)) }
        #expect(started.ids == [1, 2])
        #expect(gate.load == (2, 3))
        gate.leave()
        #expect(started.ids == [1, 2, 3], "a finished check hands its place to the first waiting one")
        gate.leave()
        gate.leave()
        #expect(started.ids == [1, 2, 3, 4, 5])
        gate.leave()
        gate.leave()
        #expect(gate.load == (0, 0))
    }

    @Test func aRaisedLimitStartsWaitingChecksAndALoweredOneLetsRunningChecksFinish() {
        let gate = SecureGate(limit: 1)
        let started = Started()
        for id in 1...4 { gate.enter(started.start(id)) }
        gate.update(limit: 3)
        #expect(started.ids == [1, 2, 3])
        gate.update(limit: 1)
        gate.leave()
        gate.leave()
        #expect(started.ids == [1, 2, 3], "two places given back, still one over the new limit")
        gate.leave()
        #expect(started.ids == [1, 2, 3, 4])
        #expect(gate.load == (1, 0))
    }

    @Test func anEdgeProbeTakesAFreePlaceButNeverWaitsForOne() {
        let gate = SecureGate(limit: 1)
        let started = Started()
        gate.enter(started.start(1))
        #expect(!gate.enterIfFree(started.start(2)))
        #expect(gate.load == (1, 0), "nothing queued for it")
        gate.leave()
        #expect(gate.enterIfFree(started.start(3)))
        #expect(started.ids == [1, 3])
    }

    @Test func aLimitBelowOneIsTakenAsOne() {
        let gate = SecureGate(limit: 0)
        let started = Started()
        gate.enter(started.start(1))
        gate.enter(started.start(2))
        #expect(started.ids == [1])
    }
}
