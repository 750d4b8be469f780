/// Exponential backoff with a cap and proportional jitter.
///
/// One pure function for every retry in Picket (failed applies, circuit cooldowns), so growth and caps
/// are documented and tested in one place: attempt 0 waits `base`, each further attempt doubles it, never
/// beyond `cap`; the result is then spread by `±jitter` of itself.
public struct Backoff: Hashable, Sendable {
    public var base: Duration
    public var cap: Duration
    public var jitter: Double

    public init(base: Duration, cap: Duration, jitter: Double) {
        self.base = base
        self.cap = max(base, cap)
        self.jitter = jitter
    }

    /// The delay before try number `attempt` (0-based), without jitter: never negative, never above
    /// `cap`, whatever the attempt count.
    public func nominalDelay(attempt: Int) -> Duration {
        let exponent = min(max(attempt, 0), 62)
        let grown = max(base, .zero).scaled(by: pow2(exponent))
        return min(grown, max(cap, .zero))
    }

    /// The delay before try number `attempt`, with jitter drawn from `random`.
    public func delay(attempt: Int, random: inout RandomSource) -> Duration {
        random.jittered(nominalDelay(attempt: attempt), by: jitter)
    }
}

private func pow2(_ exponent: Int) -> Double {
    var result = 1.0
    for _ in 0..<exponent { result *= 2 }
    return result
}
