import PicketCore

/// One check as the status API shows it: what a `CheckDocument` reads of a `ProbeOutcome`, in 32 bytes
/// rather than the outcome's ~90. Ten of these are kept per backend (`RecentChecks`); at 5,000 backends
/// the outcomes themselves, in rings grown by appends, took 7.8 MiB.
struct CheckSummary {
    let message: String?
    /// Rounded to the microsecond, as the document shows it.
    let latencyMs: Double?
    /// An HTTP status (three digits, as the response parser accepts them).
    let status: UInt16?
    let failureClass: FailureClass?
    let tls: TLSFailure?
    let passed: Bool

    init(_ outcome: ProbeOutcome) {
        let evidence = outcome.evidence
        message = evidence.message
        latencyMs = evidence.latency.map { ($0.milliseconds * 1000).rounded() / 1000 }
        status = evidence.statusCode.flatMap(UInt16.init(exactly:))
        failureClass = outcome.failureClass
        tls = evidence.tls
        passed = outcome.passed
    }
}
