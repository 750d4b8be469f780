/// A point on a monotonic timeline, in nanoseconds from an arbitrary origin.
///
/// The core never reads a clock: every event carries the `Instant` at which it happened, so tests can
/// drive the controller through hours of simulated time without sleeping.
public struct Instant: Comparable, Hashable, Sendable, CustomStringConvertible {
    public var nanoseconds: Int64

    public init(nanoseconds: Int64) {
        self.nanoseconds = nanoseconds
    }

    public static let zero = Instant(nanoseconds: 0)

    public static func < (lhs: Instant, rhs: Instant) -> Bool {
        lhs.nanoseconds < rhs.nanoseconds
    }

    public static func + (lhs: Instant, rhs: Duration) -> Instant {
        Instant(nanoseconds: lhs.nanoseconds &+ rhs.nanoseconds)
    }

    public static func - (lhs: Instant, rhs: Instant) -> Duration {
        .nanoseconds(lhs.nanoseconds &- rhs.nanoseconds)
    }

    public var description: String { "t+\(Duration.nanoseconds(nanoseconds).shortDescription)" }
}

extension Duration {
    /// Whole nanoseconds, saturating; durations in Picket are far below the 292-year limit.
    public var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds &* 1_000_000_000 &+ attoseconds / 1_000_000_000
    }

    /// Milliseconds as a floating-point number, for logs and reports.
    public var milliseconds: Double { Double(nanoseconds) / 1_000_000 }

    /// The compact form operators write in config files: `250ms`, `5s`, `2m`, `1h`, `1.5s`.
    public var shortDescription: String {
        let ns = nanoseconds
        if ns % 3_600_000_000_000 == 0, ns != 0 { return "\(ns / 3_600_000_000_000)h" }
        if ns % 60_000_000_000 == 0, ns != 0 { return "\(ns / 60_000_000_000)m" }
        if ns % 1_000_000_000 == 0 { return "\(ns / 1_000_000_000)s" }
        if ns % 1_000_000 == 0 { return "\(ns / 1_000_000)ms" }
        let ms = Double(ns) / 1_000_000
        return ms >= 1000 ? "\(rounded(ms / 1000))s" : "\(rounded(ms))ms"
    }

    /// Scales a duration by a real factor (used for backoff growth and jitter).
    public func scaled(by factor: Double) -> Duration {
        .nanoseconds(Int64((Double(nanoseconds) * factor).rounded()))
    }
}

private func rounded(_ value: Double) -> String {
    let scaled = (value * 10).rounded() / 10
    return scaled == scaled.rounded() ? String(Int(scaled)) : String(scaled)
}
