/// Passive outlier detection from nginx's own traffic: how many failed requests of real users eject a
/// backend between two probes, and for how long. Envoy's outlier detection semantics and defaults
/// (consecutive 5xx, consecutive gateway failures, failure percentage, ejection time growing with
/// repeated ejections), enforced by default once nginx sends Picket its access log.
public struct PassiveSpec: Hashable, Sendable {
    public var enabled: Bool
    /// This many 5xx answers (or connections that failed) in a row eject a backend; nil: off.
    public var consecutive5xx: Int?
    /// This many 502/503/504 answers (or connections that failed) in a row; nil: off.
    public var consecutiveGatewayFailure: Int?
    /// This many connections that could not be made in a row (nginx never reached the backend); nil: off.
    public var consecutiveConnectFailure: Int?
    /// A backend whose requests fail at this percentage or more within one `interval` is ejected, when
    /// it served at least `requestVolume` requests in it; nil: off.
    public var failurePercentage: Int?
    public var requestVolume: Int
    /// The window of the failure percentage, and how often a backend in rotation forgives one ejection.
    public var interval: Duration
    /// At most this share of an app's backends is ejected at once (but one always may be).
    public var maxEjectionPercent: Int
    /// The n-th ejection in a row lasts `baseEjectionTime × n`, at most `maxEjectionTime`.
    public var baseEjectionTime: Duration
    public var maxEjectionTime: Duration

    public init(
        enabled: Bool = true,
        consecutive5xx: Int? = 5,
        consecutiveGatewayFailure: Int? = 5,
        consecutiveConnectFailure: Int? = 5,
        failurePercentage: Int? = 85,
        requestVolume: Int = 50,
        interval: Duration = .seconds(10),
        maxEjectionPercent: Int = 50,
        baseEjectionTime: Duration = .seconds(30),
        maxEjectionTime: Duration = .seconds(300)
    ) {
        self.enabled = enabled
        self.consecutive5xx = consecutive5xx
        self.consecutiveGatewayFailure = consecutiveGatewayFailure
        self.consecutiveConnectFailure = consecutiveConnectFailure
        self.failurePercentage = failurePercentage
        self.requestVolume = requestVolume
        self.interval = interval
        self.maxEjectionPercent = maxEjectionPercent
        self.baseEjectionTime = baseEjectionTime
        self.maxEjectionTime = maxEjectionTime
    }

    /// How long the `ejections`-th ejection in a row lasts.
    public func ejectionTime(_ ejections: Int) -> Duration {
        let scaled = baseEjectionTime * max(1, min(ejections, 1_000))
        return min(scaled, maxEjectionTime)
    }

    /// How many of `backends` may be ejected at once.
    public func maxEjected(of backends: Int) -> Int {
        max(1, backends * maxEjectionPercent / 100)
    }
}
