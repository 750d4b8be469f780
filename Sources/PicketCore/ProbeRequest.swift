/// An order to probe one backend once, and the report that answers it.
///
/// The ticket ties the report to the request: a report whose ticket is no longer expected (the backend
/// was removed or re-added meanwhile) is ignored, so a slow probe can never judge a newer backend.
public struct ProbeRequest: Hashable, Sendable {
    public let backend: BackendID
    /// Where to connect: the instance address, or the check's port override.
    public let target: ServerAddress
    public let check: HealthCheckSpec
    public let attempt: Int
    public let ticket: UInt64
    /// When the probe was due; a runner that sends it later reports the lag.
    public let dueAt: Instant

    public init(backend: BackendID, target: ServerAddress, check: HealthCheckSpec, attempt: Int, ticket: UInt64, dueAt: Instant) {
        self.backend = backend
        self.target = target
        self.check = check
        self.attempt = attempt
        self.ticket = ticket
        self.dueAt = dueAt
    }

    public func report(_ outcome: ProbeOutcome) -> ProbeReport {
        ProbeReport(backend: backend, ticket: ticket, attempt: attempt, dueAt: dueAt, outcome: outcome)
    }
}

/// The result of one probe attempt, fed back into the core as an event.
public struct ProbeReport: Hashable, Sendable {
    public let backend: BackendID
    public let ticket: UInt64
    public let attempt: Int
    public let dueAt: Instant
    public let outcome: ProbeOutcome

    public init(backend: BackendID, ticket: UInt64, attempt: Int, dueAt: Instant, outcome: ProbeOutcome) {
        self.backend = backend
        self.ticket = ticket
        self.attempt = attempt
        self.dueAt = dueAt
        self.outcome = outcome
    }
}
