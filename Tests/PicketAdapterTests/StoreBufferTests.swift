import PicketCore
import PicketStore
import Testing

/// The loop hands its checks to the state writer's buffer a batch at a time; the buffer keeps them in
/// order and, when the database is away for long, drops the oldest and counts them.
@Suite struct StoreBufferTests {
    let buffer = StoreBuffer()

    func row(_ index: Int) -> CheckRow {
        let backend = BackendID(app: try! AppName(validating: "web"), address: try! ServerAddress(validating: "127.0.0.1:8001"))
        return CheckRow(at: Double(index), backend: buffer.number(backend), passed: true, failureClass: nil, latencyMs: nil, status: 200)
    }

    @Test func checksAddedInBatchesAreTakenInTheOrderTheyWereMade() {
        buffer.add(checks: (0..<3).map(row))
        buffer.add(checks: [])
        buffer.add(checks: (3..<5).map(row))
        #expect(buffer.take().checks.map(\.at) == [0, 1, 2, 3, 4])
        #expect(buffer.take().checks.isEmpty, "taking empties the buffer")
        #expect(buffer.takeDropped() == 0)
    }

    @Test func aFullBufferDropsItsOldestTenthAndCountsItEvenWithinOneBatch() {
        let limit = StoreBuffer.maxChecks
        buffer.add(checks: (0..<(limit - 5)).map(row))
        buffer.add(checks: (limit - 5..<limit + 10).map(row))
        let kept = buffer.take().checks
        #expect(buffer.takeDropped() == limit / 10)
        #expect(kept.count == limit + 10 - limit / 10)
        #expect(kept.first?.at == Double(limit / 10), "the oldest went")
        #expect(kept.last?.at == Double(limit + 9), "the newest stayed")
    }

    @Test func aWrittenBatchsStorageTakesTheChecksAfterTheNext() {
        buffer.add(checks: (0..<5000).map(row))
        var written = buffer.take()
        let storage = written.checks.withUnsafeBufferPointer(\.baseAddress)
        buffer.recycle(&written)
        #expect(written.checks.isEmpty, "the written batch gives its checks up")
        buffer.add(checks: [row(0)])
        var next = buffer.take()
        buffer.recycle(&next)
        buffer.add(checks: [row(1), row(2)])
        let after = buffer.take()
        #expect(after.checks.map(\.at) == [1, 2])
        #expect(after.checks.withUnsafeBufferPointer(\.baseAddress) == storage, "no fresh array for every second's checks")
        #expect(after.checks.capacity >= 5000)
    }

    @Test func aBackendKeepsItsNumberAndEveryLaterBatchNamesIt() {
        let web = BackendID(app: try! AppName(validating: "web"), address: try! ServerAddress(validating: "127.0.0.1:8001"))
        let api = BackendID(app: try! AppName(validating: "api"), address: try! ServerAddress(validating: "127.0.0.1:8001"))
        let (first, second) = (buffer.number(web), buffer.number(api))
        #expect(first != second && buffer.number(web) == first)
        buffer.add(checks: [CheckRow(at: 1, backend: second, passed: true, failureClass: nil, latencyMs: nil, status: nil)])
        let batch = buffer.take()
        #expect(batch.backend(of: batch.checks[0]) == api)
        buffer.add(checks: [CheckRow(at: 2, backend: first, passed: true, failureClass: nil, latencyMs: nil, status: nil)])
        let later = buffer.take()
        #expect(later.backend(of: later.checks[0]) == web, "numbered before this batch began")
    }
}
