import CPicketMalloc

/// The HTTP response readers between checks, kept for the next ones: as many as checks recently ran at
/// once.
///
/// A reader (an embedded channel with its decoder, ~5 KiB) costs more to make than to keep, but a burst
/// (the first round sends up to `max_concurrent` checks at once) left 512 of them, 2.6 MiB, to a steady
/// state that used a few at a time. Each `window`, the pool lets go of the readers beyond the most that
/// were in use at once during it, and gives the heap's free pages back when it let go of many. Confined to the engine's thread (a reader's channel closes there).
struct ReaderPool {
    static let window: Int64 = 10_000_000_000
    /// Letting go of this many readers (~320 KiB) is worth a walk of the heap to return its free pages.
    static let manyReaders = 64

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
        if surplus >= Self.manyReaders { picket_return_free_heap() }
        peak = inUse
    }

    mutating func removeAll() {
        spare.removeAll()
    }
}
