/// A small seeded pseudo-random generator (SplitMix64).
///
/// Jitter is part of the controller's decisions, so it lives in the core's state: a seed in, the same
/// schedule out. Tests pin the seed; the daemon seeds from the system generator.
public struct RandomSource: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) {
        state = seed
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniformly distributed fraction in `[0, 1)`.
    public mutating func unitFraction() -> Double {
        Double(next() >> 11) / Double(1 << 53)
    }

    /// A duration uniformly distributed in `[0, upper)`.
    public mutating func duration(below upper: Duration) -> Duration {
        upper.scaled(by: unitFraction())
    }

    /// `base` moved by up to `±fraction` of itself; `fraction` is taken within 0...1, so the result is
    /// never negative, and it saturates rather than overflows.
    public mutating func jittered(_ base: Duration, by fraction: Double) -> Duration {
        guard fraction > 0 else { return base }
        return base.scaled(by: 1 + min(fraction, 1) * (2 * unitFraction() - 1))
    }
}
