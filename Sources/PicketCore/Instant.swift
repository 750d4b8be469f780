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

    /// Saturates at the ends of the timeline: a deadline too far away to represent is "never", not a
    /// trap or a wrap into the past.
    public static func + (lhs: Instant, rhs: Duration) -> Instant {
        Instant(nanoseconds: saturating(lhs.nanoseconds.addingReportingOverflow(rhs.nanoseconds), positive: rhs > .zero))
    }

    public static func - (lhs: Instant, rhs: Instant) -> Duration {
        .nanoseconds(saturating(lhs.nanoseconds.subtractingReportingOverflow(rhs.nanoseconds), positive: lhs > rhs))
    }

    public var description: String { "t+\(Duration.nanoseconds(nanoseconds).shortDescription)" }
}

extension Duration {
    /// Whole nanoseconds, saturating at about ±292 years (the config bounds every duration far below).
    public var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        let whole = saturating(seconds.multipliedReportingOverflow(by: 1_000_000_000), positive: seconds > 0)
        return saturating(whole.addingReportingOverflow(attoseconds / 1_000_000_000), positive: seconds > 0)
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

    /// Scales a duration by a real factor (used for backoff growth and jitter), saturating instead of
    /// trapping when the product does not fit; a factor that is not a number gives zero.
    public func scaled(by factor: Double) -> Duration {
        let product = (Double(nanoseconds) * factor).rounded()
        if product.isNaN { return .zero }
        if product >= Double(Int64.max) { return .nanoseconds(Int64.max) }
        if product <= Double(Int64.min) { return .nanoseconds(Int64.min) }
        return .nanoseconds(Int64(product))
    }
}

/// The result of an overflow-reporting operation, or the bound it overflowed past.
private func saturating(_ result: (partialValue: Int64, overflow: Bool), positive: Bool) -> Int64 {
    guard result.overflow else { return result.partialValue }
    return positive ? .max : .min
}

private func rounded(_ value: Double) -> String {
    let scaled = (value * 10).rounded() / 10
    return scaled == scaled.rounded() ? String(Int(scaled)) : String(scaled)
}
