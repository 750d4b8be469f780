/// The per-backend circuit breaker's settings.
///
/// The health-check thresholds decide when a backend leaves and rejoins rotation after a short blip; the
/// circuit decides what happens to a backend that keeps failing: after `failureThreshold` consecutive
/// failures it opens and Picket stops probing it for a cooldown that starts at `recoveryTimeout` and
/// doubles on each re-open up to `maxRecoveryTimeout`; then it is half-open and needs `successThreshold`
/// consecutive passes within `halfOpenTimeout` to close again.
public struct CircuitSpec: Hashable, Sendable {
    public var failureThreshold: Int
    public var successThreshold: Int
    public var recoveryTimeout: Duration
    public var maxRecoveryTimeout: Duration
    public var halfOpenTimeout: Duration
    /// Cooldowns are spread by up to `±jitter` of themselves so that backends that failed together do
    /// not come back together.
    public var jitter: Double

    public init(
        failureThreshold: Int = 5,
        successThreshold: Int = 3,
        recoveryTimeout: Duration = .seconds(30),
        maxRecoveryTimeout: Duration = .seconds(300),
        halfOpenTimeout: Duration = .seconds(60),
        jitter: Double = 0.1
    ) {
        self.failureThreshold = failureThreshold
        self.successThreshold = successThreshold
        self.recoveryTimeout = recoveryTimeout
        self.maxRecoveryTimeout = maxRecoveryTimeout
        self.halfOpenTimeout = halfOpenTimeout
        self.jitter = jitter
    }

    /// The cooldown before the `reopenCount`-th consecutive re-open ends, before jitter.
    public var cooldown: Backoff {
        Backoff(base: recoveryTimeout, cap: maxRecoveryTimeout, jitter: jitter)
    }
}
