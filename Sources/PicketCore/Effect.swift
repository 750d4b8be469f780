/// What the core asks the shell to do. The shell carries effects out and reports back with events.
public enum Effect: Hashable, Sendable {
    /// Probe one backend once and report with `probeCompleted`.
    case probe(ProbeRequest)
    /// Render, validate and install this set, reload nginx if the bytes changed, then report with
    /// `applyFinished`.
    case apply(ApplyPlan)
    /// Restart or recreate a container and report with `dockerActionFinished`. Boxed, as `record` is.
    indirect case docker(DockerCommand)
    /// Something happened that an operator should see (logs, metrics, history). Boxed: an observation
    /// is five times the size of a probe request, and inline it set the size of every effect, so the
    /// arrays of probes each tick builds moved 208 bytes per probe instead of 40.
    indirect case record(Observation)
}

/// An upstream set to install, with the story of what changed since the last installed one.
public struct ApplyPlan: Hashable, Sendable {
    public enum Reason: String, Hashable, Sendable {
        /// The first round of checks finished: the first file written from real verdicts.
        case firstRound = "first_round"
        /// Servers joined or left (or weights stepped) since the last apply.
        case change
        /// A periodic re-apply that repairs drift; unchanged bytes make it a no-op.
        case resync
        /// A failed apply is tried again.
        case retry
    }

    public let upstreams: UpstreamSet
    public let changes: [UpstreamChange]
    public let reason: Reason

    public init(upstreams: UpstreamSet, changes: [UpstreamChange], reason: Reason) {
        self.upstreams = upstreams
        self.changes = changes
        self.reason = reason
    }
}

/// How an apply ended, as the shell reports it back.
public enum ApplyOutcome: Hashable, Sendable {
    /// New bytes were validated, installed and nginx reloaded.
    case applied
    /// The bytes on disk already matched: nothing written, no reload.
    case unchanged
    /// Anything failed; the previous file stays in place.
    case failed(String)
    /// nginx refused the candidate because of this app's upstream; the previous file stays in place.
    case rejected(app: AppName, String)
}
