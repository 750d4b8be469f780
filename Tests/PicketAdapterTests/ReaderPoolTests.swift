import Testing

@testable import PicketProbes

/// The response readers a burst leaves behind are let go once checks run a few at a time again.
@Suite struct ReaderPoolTests {
    let second: Int64 = 1_000_000_000

    @Test func aBurstsReadersAreLetGoOnceAWindowPassesWithFewChecksAtOnce() {
        var pool = ReaderPool()
        let burst = (0..<100).map { _ in pool.take() }
        for reader in burst { pool.giveBack(reader, now: 1 * second) }
        #expect(pool.spareCount == 100, "within the first window every reader is kept")

        for now in [11 * second, 22 * second] {
            let few = (0..<3).map { _ in pool.take() }
            for reader in few { pool.giveBack(reader, now: now) }
        }
        #expect(pool.spareCount <= 3, "after a window of three checks at a time, three readers are enough: \(pool.spareCount)")

        let more = (0..<5).map { _ in pool.take() }
        #expect(more.count == 5, "a new burst still gets its readers")
        for reader in more { pool.giveBack(reader, now: 23 * second) }
        #expect(pool.spareCount == 5, "and keeps them until the next window ends")
    }
}
