import DequeModule

/// The edges of the probes under way (see `Reconciler.edgeDelay`), in the order they come due.
///
/// Every steady probe gets one, and nearly every probe answers before its edge. Kept in the probe-timer
/// heap, the edges doubled its size and cost a push and a pop per check, each a walk over cold memory at
/// thousands of backends. An edge lies a fixed delay (its check's) after its probe was sent, and probes
/// are sent as time goes on, so the edges of one delay come due in the order they were added: a queue per
/// delay keeps them in order at O(1) a watch.
struct EdgeWatches: Sendable {
    /// Watches `ticket`, the only probe under way for the backend in record slot `slot`, until `due`.
    struct Watch: Sendable {
        let due: Instant
        let slot: Int32
        let ticket: UInt64
    }

    /// One queue per delay: a handful at most, so a list. An empty queue stays (its storage with it)
    /// until a delay not seen before arrives.
    private var queues: [(delay: Duration, watches: Deque<Watch>)] = []

    mutating func add(_ watch: Watch, delay: Duration) {
        if let index = queues.firstIndex(where: { $0.delay == delay }) {
            queues[index].watches.append(watch)
        } else {
            queues.removeAll { $0.watches.isEmpty }
            queues.append((delay, [watch]))
        }
    }

    /// The earliest edge to come due.
    var next: Instant? {
        earliest(dueBy: nil)?.due
    }

    /// The earliest edge, if it is due by `bound`.
    mutating func popDue(by bound: Instant) -> Watch? {
        guard let index = earliest(dueBy: bound)?.index else { return nil }
        return queues[index].watches.removeFirst()
    }

    /// The queue whose head comes due first (and by `bound`, when given).
    private func earliest(dueBy bound: Instant?) -> (index: Int, due: Instant)? {
        var earliest: (index: Int, due: Instant)?
        for index in queues.indices {
            guard let due = queues[index].watches.first?.due, bound.map({ due <= $0 }) ?? true else { continue }
            if earliest.map({ due < $0.due }) ?? true { earliest = (index, due) }
        }
        return earliest
    }
}
