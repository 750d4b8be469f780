import CPicketLinux
import Glibc

/// epoll plus an eventfd to wake it: the probe engine's only way of waiting.
///
/// Sockets are registered once, edge-triggered, for reading and the peer's close (and for writing while
/// a request waits to go out); closing a socket takes it out of the set, so a check costs one
/// `epoll_ctl` (NIO's channels spend seven).
struct Poller {
    /// The token of the wake-up eventfd; socket tokens are slot numbers and serials, never this.
    static let wakeToken = UInt64.max
    private static let readEvents = EPOLLIN.rawValue | EPOLLRDHUP.rawValue | EPOLLET.rawValue

    private let epoll: Int32
    private let wakeFD: Int32

    init() throws(ProbeSystemError) {
        epoll = epoll_create1(Int32(EPOLL_CLOEXEC))
        guard epoll >= 0 else { throw ProbeSystemError(call: "epoll_create1", errno: errno) }
        wakeFD = eventfd(0, Int32(EFD_NONBLOCK | EFD_CLOEXEC))
        guard wakeFD >= 0 else {
            let failure = errno
            Glibc.close(epoll)
            throw ProbeSystemError(call: "eventfd", errno: failure)
        }
        var event = epoll_event(events: EPOLLIN.rawValue, data: epoll_data_t(u64: Self.wakeToken))
        guard epoll_ctl(epoll, EPOLL_CTL_ADD, wakeFD, &event) == 0 else {
            let failure = errno
            Glibc.close(wakeFD)
            Glibc.close(epoll)
            throw ProbeSystemError(call: "epoll_ctl", errno: failure)
        }
    }

    /// Watches `socket` (for reading and the peer's close, and for writing if `writable`) until it is
    /// closed; returns 0 or the errno.
    func add(_ socket: Int32, token: UInt64, writable: Bool) -> Int32 {
        control(EPOLL_CTL_ADD, socket, token: token, writable: writable)
    }

    /// Starts or stops watching an already watched socket for writing; returns 0 or the errno.
    func modify(_ socket: Int32, token: UInt64, writable: Bool) -> Int32 {
        control(EPOLL_CTL_MOD, socket, token: token, writable: writable)
    }

    private func control(_ operation: Int32, _ socket: Int32, token: UInt64, writable: Bool) -> Int32 {
        var event = epoll_event(events: Self.readEvents | (writable ? EPOLLOUT.rawValue : 0), data: epoll_data_t(u64: token))
        return epoll_ctl(epoll, operation, socket, &event) == 0 ? 0 : errno
    }

    /// Waits up to `timeout` milliseconds (-1: no limit) and returns how many events were filled in.
    func wait(_ events: UnsafeMutableBufferPointer<epoll_event>, timeout: Int32) -> Int {
        let count = epoll_wait(epoll, events.baseAddress, Int32(events.count), timeout)
        return Int(max(0, count))
    }

    /// Makes a `wait` return now (from any thread).
    func wake() {
        _ = eventfd_write(wakeFD, 1)
    }

    /// Re-arms the wake-up after it fired.
    func drainWake() {
        var value: eventfd_t = 0
        _ = eventfd_read(wakeFD, &value)
    }

    func close() {
        Glibc.close(wakeFD)
        Glibc.close(epoll)
    }
}

/// The engine could not set itself up (no epoll, no eventfd, no thread): nothing can be probed.
public struct ProbeSystemError: Error, Sendable, CustomStringConvertible {
    public let call: String
    public let errno: Int32
    public var description: String { "\(call) failed: \(String(cString: strerror(errno)))" }
}
