/// Settings of the control loop itself, independent of any app.
public struct ControllerSettings: Hashable, Sendable {
    /// A change waits this long for further changes before it is applied…
    public var coalesceQuiet: Duration
    /// …but never longer than this after the first change: the bound on the delay added to an ejection.
    public var coalesceMax: Duration
    /// Backoff between retries of a failed apply.
    public var applyRetry: Backoff
    /// Every so often the desired file is applied even without a change, which repairs drift (a file
    /// edited by hand); unchanged bytes cost no write and no reload.
    public var resyncInterval: Duration
    /// How long the first round waits for Docker's first listing. After that, static apps are applied
    /// without it and a Docker app that has not been listed is checked at the addresses Picket
    /// remembers from before it restarted, until the engine answers.
    public var firstListingWait: Duration

    public init(
        coalesceQuiet: Duration = .milliseconds(50),
        coalesceMax: Duration = .milliseconds(250),
        applyRetry: Backoff = Backoff(base: .seconds(1), cap: .seconds(60), jitter: 0.1),
        resyncInterval: Duration = .seconds(60),
        firstListingWait: Duration = .seconds(10)
    ) {
        self.coalesceQuiet = coalesceQuiet
        self.coalesceMax = coalesceMax
        self.applyRetry = applyRetry
        self.resyncInterval = resyncInterval
        self.firstListingWait = firstListingWait
    }
}
