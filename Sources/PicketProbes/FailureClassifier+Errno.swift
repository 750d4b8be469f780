import NIOCore
import PicketCore

extension FailureClassifier {
    /// The verdict for an errno from a check's socket, by the same rules as NIO's errors: a fault on
    /// Picket's side (no descriptor, no local port, no buffer) or a failure class of the backend.
    static func outcome(errno: Int32, latency: Duration) -> ProbeOutcome {
        outcome(IOError(errnoCode: errno, reason: "connect"), latency: latency)
    }
}
