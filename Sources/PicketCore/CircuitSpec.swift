/// The per-backend circuit breaker's settings: what happens to a backend that keeps failing, and to one
/// that keeps flapping.
///
/// The circuit never stops probes. After `failureThreshold` consecutive failures it opens: the backend is
/// failing persistently (alerts and container recovery key off this). Once it has been open for
/// `recoveryTimeout`, its probes back off, each failed probe doubling the spacing from the check's
/// `down_interval` up to `maxProbeInterval` (or the down interval, if that is longer), so a backend that
/// returns after any outage is readmitted
/// within one probe spacing plus `success_threshold` checks (HAProxy's `downinter`, Envoy's un-ejection
/// on an active check's success).
///
/// Flap damping is the circuit's other job. A backend ejected again within `flapWindow` of its last
/// readmission has flapped; after `n` flaps it must pass continuously for `holdDown × 2^(n-1)` (at most
/// `maxHoldDown`) before it returns. Each `flapWindow` it then stays in rotation forgives one flap, so a
/// single long outage still readmits fast (Envoy's `base_ejection_time × n`, decaying while healthy).
public struct CircuitSpec: Hashable, Sendable {
    public var failureThreshold: Int
    public var recoveryTimeout: Duration
    public var maxProbeInterval: Duration
    /// Backed-off probe spacings are spread by up to `±jitter` of themselves so that backends that failed
    /// together are not probed in lockstep.
    public var jitter: Double
    public var flapWindow: Duration
    public var holdDown: Duration
    public var maxHoldDown: Duration

    public init(
        failureThreshold: Int = 5,
        recoveryTimeout: Duration = .seconds(30),
        maxProbeInterval: Duration = .seconds(5),
        jitter: Double = 0.1,
        flapWindow: Duration = .seconds(60),
        holdDown: Duration = .seconds(10),
        maxHoldDown: Duration = .seconds(120)
    ) {
        self.failureThreshold = failureThreshold
        self.recoveryTimeout = recoveryTimeout
        self.maxProbeInterval = maxProbeInterval
        self.jitter = jitter
        self.flapWindow = flapWindow
        self.holdDown = holdDown
        self.maxHoldDown = maxHoldDown
    }

    /// How long a backend that has flapped `flaps` times must pass without a break before it returns.
    public func holdDown(flaps: Int) -> Duration {
        guard flaps > 0 else { return .zero }
        return Backoff(base: holdDown, cap: maxHoldDown, jitter: 0).nominalDelay(attempt: flaps - 1)
    }
}
