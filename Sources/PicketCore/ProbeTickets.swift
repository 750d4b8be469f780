/// The tickets of a backend's probes under way: none, one, or two while an edge probe overlaps a silent
/// one (the schedule never sends a third). Held inline in the record: an array here was a heap block of
/// its own, one more cache line to fetch on every check at thousands of backends.
struct ProbeTickets: Equatable, Sendable {
    /// 0 is no ticket: tickets start at 1.
    private var first: UInt64 = 0
    private var second: UInt64 = 0

    /// Room for another probe: fewer than two under way.
    var hasRoom: Bool { first == 0 || second == 0 }

    /// Exactly this probe is under way, and no other.
    func isOnly(_ ticket: UInt64) -> Bool {
        (first == ticket && second == 0) || (second == ticket && first == 0)
    }

    func contains(_ ticket: UInt64) -> Bool {
        ticket != 0 && (first == ticket || second == ticket)
    }

    mutating func insert(_ ticket: UInt64) {
        precondition(ticket != 0 && hasRoom, "a backend has at most two probes under way")
        if first == 0 { first = ticket } else { second = ticket }
    }

    mutating func remove(_ ticket: UInt64) {
        if first == ticket { first = 0 }
        if second == ticket { second = 0 }
    }

    mutating func removeAll() {
        first = 0
        second = 0
    }
}
