/// The HTTP response readers between checks, kept for the next ones: as many as checks recently ran at
/// once.
///
/// A reader (llhttp's parser and what it keeps of a response, ~200 bytes in three allocations) is
/// cheaper to keep than to make for every check, but a burst (the first round sends up to
/// `max_concurrent` checks at once) would leave its readers to a steady state that uses a few at a time.
/// Each `window`, the pool lets go of the readers beyond the most that were in use at once during it.
/// Confined to the engine's thread.
struct ReaderPool {
    static let window: Int64 = 10_000_000_000
    private var spare: [HTTPResponseReader] = []
    private var inUse = 0
    private var peak = 0
    private var trimmedAt: Int64 = 0

    var spareCount: Int { spare.count }

    mutating func take() -> HTTPResponseReader {
        inUse += 1
        peak = max(peak, inUse)
        return spare.popLast() ?? HTTPResponseReader()
    }

    mutating func giveBack(_ reader: HTTPResponseReader, now: Int64) {
        inUse -= 1
        spare.append(reader)
        guard now - trimmedAt >= Self.window else { return }
        trimmedAt = now
        let kept = max(0, peak - inUse)
        let surplus = spare.count - kept
        if surplus > 0 { spare.removeLast(surplus) }
        peak = inUse
    }

    mutating func removeAll() {
        spare.removeAll()
    }
}
