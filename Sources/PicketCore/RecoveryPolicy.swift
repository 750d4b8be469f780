/// How Picket heals a container-backed backend that keeps failing.
///
/// A trigger (the circuit open for `afterOpen`, `afterFailures` failed checks in a row, the container
/// exited, or Docker's own HEALTHCHECK reporting unhealthy) starts an ordered recovery: drain, then
/// restart; when `maxRestarts` restarts within `restartWindow` have not brought it back, recreate; when
/// that fails too, quarantine. Attempts are spaced by `backoff`, and at most `maxInFlight` backends of an
/// app are being recovered at once, so Picket never takes every replica down together.
public struct RecoveryPolicy: Hashable, Sendable {
    public var enabled: Bool
    public var afterOpen: Duration
    public var afterFailures: Int?
    public var drainTimeout: Duration
    /// Docker's `t`: how long a stop waits for the process to exit before it is killed.
    public var stopTimeout: Duration
    public var maxRestarts: Int
    public var restartWindow: Duration
    public var backoff: Backoff
    public var recreate: Bool
    public var maxInFlight: Int

    public init(
        enabled: Bool = true,
        afterOpen: Duration = .zero,
        afterFailures: Int? = nil,
        drainTimeout: Duration = .seconds(5),
        stopTimeout: Duration = .seconds(10),
        maxRestarts: Int = 3,
        restartWindow: Duration = .seconds(600),
        backoff: Backoff = Backoff(base: .seconds(5), cap: .seconds(120), jitter: 0.2),
        recreate: Bool = true,
        maxInFlight: Int = 1
    ) {
        self.enabled = enabled
        self.afterOpen = afterOpen
        self.afterFailures = afterFailures
        self.drainTimeout = drainTimeout
        self.stopTimeout = stopTimeout
        self.maxRestarts = maxRestarts
        self.restartWindow = restartWindow
        self.backoff = backoff
        self.recreate = recreate
        self.maxInFlight = maxInFlight
    }
}
