/// Which passive rule ejected a backend.
public enum PassiveRule: String, Hashable, Sendable, CaseIterable {
    case consecutive5xx = "consecutive_5xx"
    case consecutiveGatewayFailure = "consecutive_gateway_failure"
    case consecutiveConnectFailure = "consecutive_connect_failure"
    case failurePercentage = "failure_percentage"
}

/// A backend ejected by real users' failed requests, with the evidence.
public struct PassiveEjection: Hashable, Sendable {
    public let rule: PassiveRule
    /// The run of failures that reached the threshold, or the failure percentage.
    public let count: Int
    /// Requests in the window (failure percentage only).
    public let requests: Int
    /// The last failed attempt: its status (nil: no connection) and when nginx logged it.
    public let lastFailure: PassiveAttempt?
    public let at: Instant
    /// It may return after this, once its active checks pass.
    public let until: Instant
    /// Ejections in a row, the multiplier of the ejection time.
    public let ejections: Int
}

/// One backend's passive bookkeeping: the runs of failures so far, the failure-percentage window, and
/// the ejection under way.
struct PassiveState: Hashable, Sendable {
    var fiveXX = 0
    var gateway = 0
    var connect = 0
    var windowStart: Instant?
    var windowRequests = 0
    var windowFailures = 0
    /// Ejections in a row; one is forgiven per `interval` in rotation after the last one ended.
    var ejections = 0
    var lastEjectionEnded: Instant?
    var ejection: PassiveEjection?
    /// A threshold was reached while max_ejection_percent forbade ejecting: said once per run.
    var heldByLimit = false

    /// Takes in a batch of traffic; returns the rule and run that call for an ejection, if any (the most
    /// specific rule first: a connection never made, then a gateway failure, then any 5xx).
    mutating func take(_ tally: PassiveTally, spec: PassiveSpec, now: Instant) -> (PassiveRule, count: Int, requests: Int)? {
        var verdict: (PassiveRule, count: Int, requests: Int)?
        func run(_ run: FailureRun, _ streak: inout Int, _ threshold: Int?, _ rule: PassiveRule) {
            let (peak, after) = run.continuing(streak)
            streak = after
            if let threshold, peak >= threshold, verdict == nil { verdict = (rule, peak, 0) }
        }
        run(tally.connect, &connect, spec.consecutiveConnectFailure, .consecutiveConnectFailure)
        run(tally.gateway, &gateway, spec.consecutiveGatewayFailure, .consecutiveGatewayFailure)
        run(tally.fiveXX, &fiveXX, spec.consecutive5xx, .consecutive5xx)
        if windowStart.map({ now - $0 >= spec.interval }) ?? true {
            windowStart = now
            windowRequests = 0
            windowFailures = 0
        }
        windowRequests += tally.requests
        windowFailures += tally.failures
        if verdict == nil, let threshold = spec.failurePercentage, windowRequests >= spec.requestVolume,
            windowFailures * 100 >= threshold * windowRequests
        {
            verdict = (.failurePercentage, windowFailures * 100 / windowRequests, windowRequests)
        }
        if verdict == nil, fiveXX == 0, gateway == 0, connect == 0 { heldByLimit = false }
        return verdict
    }

    /// Ejects: the ejection time grows with ejections in a row, after forgiving one per `interval`
    /// spent in rotation since the last ejection ended.
    mutating func eject(_ rule: PassiveRule, count: Int, requests: Int, lastFailure: PassiveAttempt?, spec: PassiveSpec, now: Instant) -> PassiveEjection {
        if let ended = lastEjectionEnded, spec.interval > .zero {
            ejections = max(0, ejections - Int(min((now - ended) / spec.interval, Double(Int32.max))))
        }
        ejections += 1
        let ejection = PassiveEjection(
            rule: rule, count: count, requests: requests, lastFailure: lastFailure, at: now, until: now + spec.ejectionTime(ejections),
            ejections: ejections)
        self.ejection = ejection
        fiveXX = 0
        gateway = 0
        connect = 0
        windowStart = nil
        return ejection
    }

    /// The ejection time is over.
    mutating func endEjection(now: Instant) {
        ejection = nil
        lastEjectionEnded = now
    }
}
