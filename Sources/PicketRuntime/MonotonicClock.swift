import NIOCore
import PicketCore

/// The shell's only source of time for the core: CLOCK_MONOTONIC, the same clock NIO schedules on.
public enum MonotonicClock {
    public static func now() -> Instant {
        Instant(nanoseconds: Int64(NIODeadline.now().uptimeNanoseconds))
    }

    static func deadline(_ instant: Instant) -> NIODeadline {
        .uptimeNanoseconds(UInt64(max(0, instant.nanoseconds)))
    }
}
