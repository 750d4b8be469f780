import NIOCore
import PicketCore

/// The shell's only source of time for the core: CLOCK_MONOTONIC, the clock NIO and the probe engine
/// schedule on.
public enum MonotonicClock {
    public static func now() -> Instant {
        Instant(nanoseconds: Int64(NIODeadline.now().uptimeNanoseconds))
    }
}
