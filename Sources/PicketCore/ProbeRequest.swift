/// An order to probe one backend once, and the report that answers it.
///
/// The ticket ties the report to the request: a report whose ticket is no longer expected (the backend
/// was removed or re-added meanwhile) is ignored, so a slow probe can never judge a newer backend.
public struct ProbeRequest: Hashable, Sendable {
    /// The backend, its target and its check, held once per backend (`ProbeSubject`).
    public let subject: ProbeSubject
    public let attempt: Int
    public let ticket: UInt64
    /// When the probe was due; a runner that sends it later reports the lag.
    public let dueAt: Instant
    /// Where the core keeps the backend's record, handed back in the report so that the core finds the
    /// record without hashing the ID (checked against the ID, so a stale one only costs the lookup);
    /// -1 when the request did not come from the core.
    public let slot: Int32
    /// An edge probe (`Reconciler.edgeDelay`): a second check beside a silent one. It is worth sending
    /// only when it can go at once; a runner with every slot taken reports it `shed` instead of queueing
    /// it, since a queued edge would only add to the wait that kept the first check silent.
    public let edge: Bool

    public init(subject: ProbeSubject, attempt: Int, ticket: UInt64, dueAt: Instant, slot: Int32 = -1, edge: Bool = false) {
        self.subject = subject
        self.attempt = attempt
        self.ticket = ticket
        self.dueAt = dueAt
        self.slot = slot
        self.edge = edge
    }

    public init(backend: BackendID, target: ServerAddress, check: HealthCheckSpec, attempt: Int, ticket: UInt64, dueAt: Instant) {
        self.init(subject: ProbeSubject(backend: backend, target: target, sharedCheck: Shared(check)), attempt: attempt, ticket: ticket, dueAt: dueAt)
    }

    // Lent where they lie in the subject, not copied.
    public var backend: BackendID { _read { yield subject.backend } }
    public var target: ServerAddress { _read { yield subject.target } }
    public var sharedCheck: Shared<HealthCheckSpec> { _read { yield subject.sharedCheck } }
    /// Lent where it lies in the shared box, not copied (a copy retains every string and array in it).
    public var check: HealthCheckSpec { _read { yield subject.sharedCheck.value } }

    public func report(_ outcome: ProbeOutcome) -> ProbeReport {
        ProbeReport(subject: subject, ticket: ticket, attempt: attempt, dueAt: dueAt, outcome: outcome, slot: slot)
    }
}

/// The result of one probe attempt, fed back into the core as an event. It holds its request's
/// subject, so that a report's copies (the batch, the core, the outlets) retain one reference too.
public struct ProbeReport: Hashable, Sendable {
    public let subject: ProbeSubject
    public let ticket: UInt64
    public let attempt: Int
    public let dueAt: Instant
    public let outcome: ProbeOutcome
    /// The request's `slot`.
    public let slot: Int32

    public init(subject: ProbeSubject, ticket: UInt64, attempt: Int, dueAt: Instant, outcome: ProbeOutcome, slot: Int32 = -1) {
        self.subject = subject
        self.ticket = ticket
        self.attempt = attempt
        self.dueAt = dueAt
        self.outcome = outcome
        self.slot = slot
    }

    public var backend: BackendID { _read { yield subject.backend } }
}
