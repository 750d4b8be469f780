import NIOConcurrencyHelpers

/// Lets a line that may repeat fast (a refused request, a failing probe) through at most once per
/// `period`, saying how many were held back, so a hostile client cannot flood the log. Safe to share
/// between connections.
final class LogThrottle: Sendable {
    let period: Duration
    private let state = NIOLockedValueBox<(last: ContinuousClock.Instant?, held: Int)>((nil, 0))

    init(period: Duration) {
        self.period = period
    }

    /// How many were held back since the last line, when this one may be logged; nil when it is held.
    func admit(at now: ContinuousClock.Instant = ContinuousClock.now) -> Int? {
        state.withLockedValue { state in
            if let last = state.last, now - last < period {
                state.held += 1
                return nil
            }
            defer { state = (now, 0) }
            return state.held
        }
    }
}
