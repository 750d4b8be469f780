import PicketStore
import Testing

/// The loop hands its checks to the state writer's buffer a batch at a time; the buffer keeps them in
/// order and, when the database is away for long, drops the oldest and counts them.
@Suite struct StoreBufferTests {
    func row(_ index: Int) -> CheckRow {
        CheckRow(at: Double(index), app: "web", address: "127.0.0.1:8001", passed: true, failureClass: nil, latencyMs: nil, status: 200)
    }

    @Test func checksAddedInBatchesAreTakenInTheOrderTheyWereMade() {
        let buffer = StoreBuffer()
        buffer.add(checks: (0..<3).map(row))
        buffer.add(checks: [])
        buffer.add(checks: (3..<5).map(row))
        #expect(buffer.take().checks.map(\.at) == [0, 1, 2, 3, 4])
        #expect(buffer.take().checks.isEmpty, "taking empties the buffer")
        #expect(buffer.takeDropped() == 0)
    }

    @Test func aFullBufferDropsItsOldestTenthAndCountsItEvenWithinOneBatch() {
        let buffer = StoreBuffer()
        let limit = StoreBuffer.maxChecks
        buffer.add(checks: (0..<(limit - 5)).map(row))
        buffer.add(checks: (limit - 5..<limit + 10).map(row))
        let kept = buffer.take().checks
        #expect(buffer.takeDropped() == limit / 10)
        #expect(kept.count == limit + 10 - limit / 10)
        #expect(kept.first?.at == Double(limit / 10), "the oldest went")
        #expect(kept.last?.at == Double(limit + 9), "the newest stayed")
    }
}
