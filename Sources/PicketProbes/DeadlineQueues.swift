import DequeModule

/// The deadlines of checks and idle connections: one first-in-first-out queue per distinct duration.
/// A deadline is a start plus a duration and starts only grow, so each queue stays sorted by itself:
/// adding and expiring cost O(1) instead of a heap's O(log n), thousands of times a second.
struct DeadlineQueues {
    struct Entry {
        let at: Int64
        let slot: Int32
        let generation: UInt32
    }

    private var queues: [Int64: Deque<Entry>] = [:]

    mutating func add(_ duration: Int64, after start: Int64, slot: Int32, generation: UInt32) {
        queues[duration, default: []].append(Entry(at: start + duration, slot: slot, generation: generation))
    }

    /// The earliest deadline that is still `live`. Dead ones at the front (their check finished long
    /// before its timeout, which is nearly always) are dropped on the way, so the engine never wakes up
    /// for them.
    mutating func earliest(live: (Entry) -> Bool) -> Int64? {
        var earliest: Int64?
        for index in queues.values.indices {
            while let first = queues.values[index].first, !live(first) { queues.values[index].removeFirst() }
            if let at = queues.values[index].first?.at, at < earliest ?? .max { earliest = at }
        }
        return earliest
    }

    /// Takes the earliest deadline that is not after `now`.
    mutating func popDue(now: Int64) -> Entry? {
        var due: (duration: Int64, at: Int64)?
        for (duration, queue) in queues {
            guard let first = queue.first, first.at <= now, first.at < due?.at ?? .max else { continue }
            due = (duration, first.at)
        }
        guard let due else { return nil }
        return queues[due.duration]?.popFirst()
    }
}
