/// Pure deadline arithmetic that turns a burst of changes into one apply.
///
/// Each change pushes the deadline to `quiet` after it, but never past `max` after the first change of
/// the burst, so a steady trickle of changes cannot postpone an ejection indefinitely.
public struct Coalescer: Hashable, Sendable {
    public let quiet: Duration
    public let max: Duration
    public private(set) var firstChange: Instant?
    public private(set) var lastChange: Instant?

    public init(quiet: Duration, max: Duration) {
        self.quiet = quiet
        self.max = Swift.max(quiet, max)
    }

    public var isPending: Bool { firstChange != nil }

    public mutating func noteChange(at now: Instant) {
        if firstChange == nil { firstChange = now }
        lastChange = now
    }

    public var deadline: Instant? {
        guard let firstChange, let lastChange else { return nil }
        return Swift.min(lastChange + quiet, firstChange + max)
    }

    public mutating func reset() {
        firstChange = nil
        lastChange = nil
    }
}
