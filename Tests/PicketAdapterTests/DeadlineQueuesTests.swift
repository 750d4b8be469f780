import Testing

@testable import PicketProbes

/// Deadlines of several durations come out in time order, and a deadline whose check already ended
/// never wakes the engine.
@Suite struct DeadlineQueuesTests {
    @Test func deadlinesOfDifferentDurationsComeDueInTimeOrder() {
        var queues = DeadlineQueues()
        queues.add(2_000, after: 0, slot: 1, generation: 0)
        queues.add(500, after: 100, slot: 2, generation: 0)
        queues.add(2_000, after: 50, slot: 3, generation: 0)
        queues.add(500, after: 1_800, slot: 4, generation: 0)
        #expect(queues.popDue(now: 599) == nil, "nothing is due before the first deadline")
        var order: [Int32] = []
        while let entry = queues.popDue(now: 10_000) { order.append(entry.slot) }
        #expect(order == [2, 1, 3, 4], "600, 2000, 2050, 2300")
    }

    @Test func theEarliestDeadlineSkipsAndDropsTheDeadOnes() {
        var queues = DeadlineQueues()
        for slot in Int32(0)..<100 { queues.add(1_000, after: Int64(slot), slot: slot, generation: 0) }
        queues.add(5_000, after: 0, slot: 100, generation: 0)
        let live: Set<Int32> = [60, 100]
        #expect(queues.earliest { live.contains($0.slot) } == 1_060, "the first live check's deadline")
        #expect(queues.popDue(now: 1_059) == nil, "the dead ones before it are gone")
        #expect(queues.popDue(now: 1_060)?.slot == 60)
        #expect(queues.earliest { live.contains($0.slot) } == 5_000, "the other duration's deadline")
    }
}
