#if canImport(Glibc)
import Glibc
#endif

/// Picket's open-file limit. Each probe in flight and each status connection takes a descriptor, and
/// the common soft limit of 1,024 is one a busy machine or a hostile neighbour can exhaust; the hard
/// limit is what the administrator allows, so Picket takes all of it at start.
public enum OpenFileLimit {
    /// Below this, a warning says Picket may run short.
    public static let comfortable: UInt64 = 4096

    /// Raises the soft limit to the hard limit; returns the limits before and after.
    public static func raise() -> (before: UInt64, after: UInt64) {
        var limit = rlimit()
        guard getrlimit(resource, &limit) == 0 else { return (0, 0) }
        let before = UInt64(limit.rlim_cur)
        guard limit.rlim_cur < limit.rlim_max else { return (before, before) }
        var raised = limit
        raised.rlim_cur = limit.rlim_max
        if setrlimit(resource, &raised) != 0 {
            raised.rlim_cur = rlim_t(systemMaximum ?? UInt64(limit.rlim_cur))
            guard raised.rlim_cur > limit.rlim_cur, setrlimit(resource, &raised) == 0 else { return (before, before) }
        }
        return (before, UInt64(raised.rlim_cur))
    }

    /// The soft limit in force now.
    public static var current: Int {
        var limit = rlimit()
        guard getrlimit(resource, &limit) == 0 else { return Int(comfortable) }
        return Int(clamping: limit.rlim_cur)
    }

    /// `fs.nr_open`: the most any process may have, when the hard limit is "unlimited".
    private static var systemMaximum: UInt64? {
        let fd = open("/proc/sys/fs/nr_open", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 32)
        let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        guard count > 0 else { return nil }
        return UInt64(String(decoding: buffer[0..<count], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    }

    private static var resource: __rlimit_resource_t { __rlimit_resource_t(RLIMIT_NOFILE.rawValue) }
}
