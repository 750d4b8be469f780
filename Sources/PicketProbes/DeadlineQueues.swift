import DequeModule

/// The deadlines of checks and idle connections: one first-in-first-out queue per distinct duration.
/// A deadline is a start plus a duration and starts only grow, so each queue stays sorted by itself:
/// adding and expiring cost O(1) instead of a heap's O(log n), thousands of times a second.
///
/// The queues sit in an array, not a dictionary keyed by duration: there are a handful of durations,
/// and an element of an array is mutated in place, where a dictionary's values view, while iterated,
/// holds a second reference that made the first removal copy the whole table and queue.
struct DeadlineQueues {
    struct Entry {
        let at: Int64
        let slot: Int32
        let generation: UInt32
    }

    private var durations: [Int64] = []
    private var queues: [Deque<Entry>] = []

    mutating func add(_ duration: Int64, after start: Int64, slot: Int32, generation: UInt32) {
        let entry = Entry(at: start + duration, slot: slot, generation: generation)
        if let index = durations.firstIndex(of: duration) {
            queues[index].append(entry)
        } else {
            durations.append(duration)
            queues.append([entry])
        }
    }

    /// The earliest deadline that is still `live`. Dead ones at the front (their check finished long
    /// before its timeout, which is nearly always) are dropped on the way, so the engine never wakes up
    /// for them.
    mutating func earliest(live: (Entry) -> Bool) -> Int64? {
        var earliest: Int64?
        for index in queues.indices {
            while let first = queues[index].first, !live(first) { queues[index].removeFirst() }
            if let at = queues[index].first?.at, at < earliest ?? .max { earliest = at }
        }
        return earliest
    }

    /// Takes the earliest deadline that is not after `now`.
    mutating func popDue(now: Int64) -> Entry? {
        var due: (index: Int, at: Int64)?
        for index in queues.indices {
            guard let first = queues[index].first, first.at <= now, first.at < due?.at ?? .max else { continue }
            due = (index, first.at)
        }
        guard let due else { return nil }
        return queues[due.index].popFirst()
    }
}
