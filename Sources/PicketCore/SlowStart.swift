/// Slow start: a server that rejoins rotation ramps up to its weight instead of taking its full share at
/// once (open-source nginx has no `slow_start`, so Picket renders the steps). While a server ramps, every
/// weight in its upstream is multiplied by `steps` and the ramping server gets `step` times its own, so
/// step `k` carries `k/steps` of its share; each step is one coalesced apply.
public enum SlowStart {
    public static let steps = 4

    /// Weights only shape load under round robin and least_conn; hash methods map clients by position.
    public static func applies(to balance: Balance) -> Bool {
        switch balance {
        case .roundRobin, .leastConn, .random: return true
        case .ipHash, .hash: return false
        }
    }
}

/// One server's ramp: it started at `startedAt` and is at `step` (1 ..< SlowStart.steps).
struct SlowStartRamp: Hashable, Sendable {
    let startedAt: Instant
    var step = 1

    /// When the next step is due, for a ramp lasting `duration` in all.
    func nextStepAt(_ duration: Duration) -> Instant {
        startedAt + duration * step / SlowStart.steps
    }
}

/// What becomes of one instance in the rendered upstream.
public enum ServerFate: Hashable, Sendable {
    case out
    /// In rotation; `rampStep` is set while it ramps up (slow start).
    case serving(rampStep: Int?)
}

extension AppSpec {
    /// The slow start its servers get, nil when off or when its balance method ignores weights.
    var rampDuration: Duration? {
        SlowStart.applies(to: balance) ? slowStart : nil
    }
}
