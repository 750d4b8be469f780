import PicketCore

/// Notices when probes are sent later than scheduled (too many backends for `probes.max_concurrent`,
/// or a starved machine) and says so at most every ten seconds, with the worst lag seen.
struct LagMonitor {
    static let threshold = Duration.milliseconds(500)
    static let period = Duration.seconds(10)
    private var worst = Duration.zero
    private var lastWarning: Instant?

    mutating func record(_ lag: Duration, at now: Instant) -> String? {
        worst = max(worst, lag)
        guard worst >= Self.threshold, lastWarning.map({ now - $0 >= Self.period }) ?? true else { return nil }
        defer {
            worst = .zero
            lastWarning = now
        }
        return "probe scheduler is behind: probes sent up to \(worst.shortDescription) late; raise probes.max_concurrent or lengthen intervals"
    }
}
