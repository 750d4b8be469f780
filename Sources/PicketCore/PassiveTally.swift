/// One attempt of one request as nginx logged it: which server, and how it ended.
public struct PassiveAttempt: Hashable, Sendable {
    /// The upstream's answer; nil when nginx got none (the connection failed or timed out).
    public var status: Int?
    /// nginx could not even connect (`$upstream_connect_time` was `-`): a local-origin failure.
    public var connectFailed: Bool
    /// When nginx logged the request, in epoch seconds (`$msec`): evidence for operators only.
    public var loggedAt: Double

    public init(status: Int?, connectFailed: Bool, loggedAt: Double) {
        self.status = status
        self.connectFailed = connectFailed
        self.loggedAt = loggedAt
    }

    /// A 5xx answer or no answer at all: what `consecutive_5xx` counts.
    public var is5xx: Bool { connectFailed || (status.map { $0 >= 500 && $0 <= 599 } ?? true) }
    /// 502, 503, 504 or no answer: what `consecutive_gateway_failure` counts.
    public var isGatewayFailure: Bool { connectFailed || status.map { $0 == 502 || $0 == 503 || $0 == 504 } ?? true }
}

/// Consecutive failures in a stream of results, summarised so that two summaries of consecutive stretches
/// merge exactly: what came before the first success, the longest run between successes, and what came
/// after the last one. The shell folds thousands of attempts a second into one tally per backend and the
/// core still sees every run exactly as if it had counted them one by one.
public struct FailureRun: Hashable, Sendable {
    public private(set) var leading = 0
    public private(set) var sawSuccess = false
    public private(set) var longestInside = 0
    public private(set) var trailing = 0

    public init() {}

    mutating func add(failed: Bool) {
        var one = FailureRun()
        if failed {
            one.leading = 1
            one.trailing = 1
        } else {
            one.sawSuccess = true
        }
        merge(one)
    }

    /// Appends the stretch `next` summarises after this one.
    public mutating func merge(_ next: FailureRun) {
        switch (sawSuccess, next.sawSuccess) {
        case (false, false):
            leading += next.leading
            trailing = leading
        case (false, true):
            leading += next.leading
            longestInside = next.longestInside
            trailing = next.trailing
        case (true, false):
            trailing += next.leading
        case (true, true):
            longestInside = max(longestInside, next.longestInside, trailing + next.leading)
            trailing = next.trailing
        }
        sawSuccess = sawSuccess || next.sawSuccess
    }

    /// Continues a streak of `streak` failures: the longest run reached, and the streak afterwards.
    func continuing(_ streak: Int) -> (peak: Int, streak: Int) {
        guard sawSuccess else { return (streak + leading, streak + leading) }
        return (max(streak + leading, longestInside, trailing), trailing)
    }
}

/// What nginx's traffic said about one backend over a stretch of time: folded in the shell as
/// datagrams arrive, handed to the core in batches.
public struct PassiveTally: Hashable, Sendable {
    public private(set) var requests = 0
    /// 5xx answers and failed connections, for the failure percentage.
    public private(set) var failures = 0
    public private(set) var fiveXX = FailureRun()
    public private(set) var gateway = FailureRun()
    public private(set) var connect = FailureRun()
    /// The last failed attempt, as evidence.
    public private(set) var lastFailure: PassiveAttempt?

    public init() {}

    public mutating func add(_ attempt: PassiveAttempt) {
        requests += 1
        fiveXX.add(failed: attempt.is5xx)
        gateway.add(failed: attempt.isGatewayFailure)
        connect.add(failed: attempt.connectFailed)
        if attempt.is5xx {
            failures += 1
            lastFailure = attempt
        }
    }

    public mutating func merge(_ next: PassiveTally) {
        requests += next.requests
        failures += next.failures
        fiveXX.merge(next.fiveXX)
        gateway.merge(next.gateway)
        connect.merge(next.connect)
        lastFailure = next.lastFailure ?? lastFailure
    }
}
