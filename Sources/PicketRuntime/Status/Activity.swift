import Foundation
import PicketCore

/// What the dashboard's header says about Picket itself, kept by the controller loop as things happen:
/// when it started, the last apply's result, how many reloads it made, and how many checks a second
/// it finishes (over the last `window` whole seconds, one counter per second, so it never grows).
struct Activity {
    static let window: Int64 = 10

    let startedAt = Date()
    private(set) var lastApply: (outcome: ApplyOutcome, at: Date)?
    private(set) var reloads = 0
    private var seconds = [(second: Int64, checks: Int)](repeating: (-1, 0), count: Int(Activity.window))

    mutating func checked(_ count: Int, at now: Instant) {
        let second = now.nanoseconds / 1_000_000_000
        let slot = Int(second % Self.window)
        if seconds[slot].second != second { seconds[slot] = (second, 0) }
        seconds[slot].checks += count
    }

    mutating func applyFinished(_ outcome: ApplyOutcome, route: ApplyRoute, at date: Date) {
        lastApply = (outcome, date)
        if case .applied = outcome, case .file = route { reloads += 1 }
    }

    /// Checks finished per second over the whole seconds of the window before the current one.
    func checksPerSecond(at now: Instant) -> Double {
        let current = now.nanoseconds / 1_000_000_000
        let counted = seconds.filter { $0.second < current && $0.second >= current - (Self.window - 1) }
        return Double(counted.map(\.checks).reduce(0, +)) / Double(Self.window - 1)
    }
}
