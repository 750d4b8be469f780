import PicketCore

/// The loop's side of `/readyz`: the facts it keeps in `Readiness`, and the verdict from them.
extension ControllerLoop {
    func readinessAnswer(now: Instant) -> StatusAnswer {
        let failure = outlets.persistenceFailure ?? persistence.flatMap { $0.writer.currentHealth.ok ? nil : ($0.writer.currentHealth.failure ?? "?") }
        let verdict = readiness.verdict(firstRoundComplete: core.firstRoundComplete, applied: core.applied != nil, persistenceFailure: failure, now: now)
        return .readiness(ready: verdict.ready, reason: verdict.reason)
    }

    /// A probe that could not be made: counted, logged at most every few seconds, and shown in
    /// `/readyz`; the core ignores it.
    func noteLocalFault(_ report: ProbeReport, now: Instant) {
        guard let fault = report.outcome.localFault else { return }
        metrics.localProbeFault(fault)
        if let line = readiness.localFault(fault, message: report.outcome.evidence.message ?? "", at: now) {
            logger.warning("\(line)", metadata: ["event": "probe_local_fault", "fault": "\(fault.rawValue)"])
        }
    }
}
