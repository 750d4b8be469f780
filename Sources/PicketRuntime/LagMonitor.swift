import PicketCore
import PicketProbes

/// Notices when probes are sent later than scheduled and says so at most every ten seconds, with the
/// worst lag seen since the last warning and where it came from: waiting for one of
/// `probes.max_concurrent` slots, or reaching the engine late (the control loop or the machine was
/// busy, as when thousands of backends are added at start-up). Only a probe that is itself late
/// raises a warning, so a lag from the start is not reported again ten seconds later as if current.
struct LagMonitor {
    static let threshold = Duration.milliseconds(500)
    static let period = Duration.seconds(10)
    private var worst: ProbeTiming?
    private var lastWarning: Instant?

    mutating func record(_ timing: ProbeTiming, at now: Instant) -> String? {
        if timing.lag > worst?.lag ?? .zero { worst = timing }
        guard timing.lag >= Self.threshold, lastWarning.map({ now - $0 >= Self.period }) ?? true, let worst else { return nil }
        defer {
            self.worst = nil
            lastWarning = now
        }
        let late = worst.lag.shortDescription
        if worst.waited * 2 >= worst.lag {
            return "probe scheduler is behind: probes sent up to \(late) late, \(worst.waited.shortDescription) of it waiting for a free slot; raise probes.max_concurrent or lengthen intervals"
        }
        return "probe scheduler is behind: probes sent up to \(late) late, reaching the probe engine late: Picket itself was busy (adding thousands of backends at start-up, or a starved machine)"
    }
}
