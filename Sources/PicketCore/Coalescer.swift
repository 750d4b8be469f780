/// Pure deadline arithmetic that turns a burst of changes into one apply.
///
/// Each change pushes the deadline to `quiet` after it, but never past `max` after the first change of
/// the burst, so a steady trickle of changes cannot postpone an ejection indefinitely. An urgent change
/// (a passive ejection: every millisecond more sends real users to a backend failing them) is due at
/// once, and takes whatever else is pending along.
public struct Coalescer: Hashable, Sendable {
    public let quiet: Duration
    public let max: Duration
    public private(set) var firstChange: Instant?
    public private(set) var lastChange: Instant?
    public private(set) var urgentChange: Instant?

    public init(quiet: Duration, max: Duration) {
        self.quiet = quiet
        self.max = Swift.max(quiet, max)
    }

    public var isPending: Bool { firstChange != nil }

    public mutating func noteChange(at now: Instant) {
        if firstChange == nil { firstChange = now }
        lastChange = now
    }

    public mutating func noteUrgentChange(at now: Instant) {
        noteChange(at: now)
        if urgentChange == nil { urgentChange = now }
    }

    public var deadline: Instant? {
        guard let firstChange, let lastChange else { return nil }
        let calm = Swift.min(lastChange + quiet, firstChange + max)
        return urgentChange.map { Swift.min($0, calm) } ?? calm
    }

    public mutating func reset() {
        firstChange = nil
        lastChange = nil
        urgentChange = nil
    }
}
