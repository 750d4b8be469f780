import PicketCore

/// Whether Picket can do its job right now, in words: the answer behind `/readyz`.
///
/// Ready means the first round of checks is done, a file is applied, applies are not failing again and
/// again (nginx down, disk full, descriptors exhausted), and probes are being made: a probe Picket
/// could not make (a local fault) judges no backend, but while they happen Picket is not checking what
/// it claims to check. A failing state database is said, but Picket stays ready (it runs from memory).
struct Readiness {
    /// Applies failed in a row before Picket calls itself not ready: one failure is retried at once,
    /// three (about 3 s with the default retry backoff) mean something is wrong with nginx or the disk.
    static let failedAppliesBeforeNotReady = 3
    /// How long a local fault keeps Picket not ready after the last one.
    static let localFaultWindow = Duration.seconds(30)
    /// Local faults are logged at most this often, with how many there were.
    static let logPeriod = Duration.seconds(10)

    private var failedApplies = 0
    private var failingSince: Instant?
    private var lastApplyError = ""
    private var lastFault: (fault: LocalFault, message: String, at: Instant)?
    private var faultsInWindow: [Instant] = []
    private var unlogged: [LocalFault: Int] = [:]
    private var lastLogged: Instant?

    mutating func applyFinished(_ outcome: ApplyOutcome, at now: Instant) {
        switch outcome {
        case .applied, .unchanged:
            failedApplies = 0
            failingSince = nil
        case .failed(let error):
            failed(error, at: now)
        case .rejected(let app, let error):
            failed("nginx rejected \(app)'s upstream: \(error)", at: now)
        }
    }

    private mutating func failed(_ error: String, at now: Instant) {
        failedApplies += 1
        if failingSince == nil { failingSince = now }
        lastApplyError = error
    }

    /// Records a probe Picket could not make; returns a log line when one is due (at most every
    /// `logPeriod`, counting those in between).
    mutating func localFault(_ fault: LocalFault, message: String, at now: Instant) -> String? {
        lastFault = (fault, message, now)
        faultsInWindow.removeAll { now - $0 > Self.localFaultWindow }
        faultsInWindow.append(now)
        unlogged[fault, default: 0] += 1
        guard lastLogged.map({ now - $0 >= Self.logPeriod }) ?? true else { return nil }
        defer {
            unlogged = [:]
            lastLogged = now
        }
        let counts = unlogged.sorted { $0.key.rawValue < $1.key.rawValue }.map { "\($0.value)× \($0.key.rawValue)" }.joined(separator: ", ")
        return "probes could not be made on Picket's side (\(counts)): \(message); no backend is judged on them, each is probed again at its interval"
    }

    func verdict(firstRoundComplete: Bool, applied: Bool, persistenceFailure: String?, now: Instant) -> (ready: Bool, reason: String) {
        let fault = localFaultReason(now: now)
        if !firstRoundComplete { return (false, "the first round of checks is not complete" + (fault.map { "; \($0)" } ?? "")) }
        if !applied { return (false, "no upstream file applied yet") }
        if failedApplies >= Self.failedAppliesBeforeNotReady, let since = failingSince {
            return (false, "the last \(failedApplies) applies failed, for \((now - since).shortDescription): \(lastApplyError); nginx keeps the last good file")
        }
        if let fault { return (false, fault) }
        if let persistenceFailure {
            return (true, "first round complete, config applied; state database failing (\(persistenceFailure)), running from memory")
        }
        return (true, "first round complete, config applied")
    }

    /// Local faults within the window, in words.
    private func localFaultReason(now: Instant) -> String? {
        guard let lastFault, now - lastFault.at <= Self.localFaultWindow else { return nil }
        let count = faultsInWindow.filter { now - $0 <= Self.localFaultWindow }.count
        return "\(count) probes could not be made on Picket's side in the last \(Self.localFaultWindow.shortDescription) "
            + "(\(lastFault.fault.rawValue), \((now - lastFault.at).shortDescription) ago: \(lastFault.message)); backends keep their state"
    }
}
