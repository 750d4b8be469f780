import NIOCore
import PicketCore

/// One probe attempt under way: its start time, its deadline, and a completion that runs exactly once
/// (a verdict, an error, a timeout or a closed connection may all race to finish it).
///
/// Confined to one event loop: created, finished and timed out there, which is what makes the
/// unchecked `Sendable` sound (NIO's closures are `@Sendable` whether or not they change loops).
final class ProbeAttempt: @unchecked Sendable {
    let started: NIODeadline
    private var completion: ((ProbeOutcome) -> Void)?
    private var timeout: Scheduled<Void>?
    var channel: Channel?
    /// What a timeout means for this attempt, when a handler knows better than "no answer" (a TCP
    /// reply arrived but never held the expected text).
    var timeoutVerdict: (() -> ProbeOutcome)?

    init(started: NIODeadline, completion: @escaping (ProbeOutcome) -> Void) {
        self.started = started
        self.completion = completion
    }

    func elapsed() -> Duration {
        .nanoseconds(Int64(NIODeadline.now().uptimeNanoseconds) - Int64(started.uptimeNanoseconds))
    }

    func arm(_ scheduled: Scheduled<Void>) {
        timeout = scheduled
    }

    func finish(_ outcome: ProbeOutcome) {
        guard let completion else { return }
        self.completion = nil
        timeout?.cancel()
        timeout = nil
        completion(outcome)
    }
}
