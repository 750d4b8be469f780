import CPicketLinux
import Glibc

/// Two epoll sets and an eventfd: the probe engine's only way of waiting.
///
/// The thread sleeps on the first set: the wake-up eventfd, and every socket but those below. Replies on
/// kept connections (`reuse_connection`) go to the second set, which is never slept on: the engine reads
/// it whenever it wakes, and wakes on the controller's grid while checks are under way
/// (`ProbeReactor.replyTick`). A reply then costs no wake-up of its own: when each one woke the thread,
/// 5,000 backends checked every second cost ~2,250 sleeps and wake-ups a second; read on the grid, ~50.
/// A reply's latency is the kernel's arrival stamp, not the time it was read.
///
/// Sockets are registered once, edge-triggered, for reading and the peer's close (and for writing while
/// a request waits to go out); closing a socket takes it out of both sets, so a check costs one
/// `epoll_ctl` (NIO's channels spend seven).
struct Poller {
    /// The token of the wake-up eventfd; socket tokens are slot numbers and serials, never this.
    static let wakeToken = UInt64.max
    private static let readEvents = EPOLLIN.rawValue | EPOLLRDHUP.rawValue | EPOLLET.rawValue

    private let epoll: Int32
    private let replies: Int32
    private let wakeFD: Int32

    init() throws(ProbeSystemError) {
        epoll = epoll_create1(Int32(EPOLL_CLOEXEC))
        guard epoll >= 0 else { throw ProbeSystemError(call: "epoll_create1", errno: errno) }
        replies = epoll_create1(Int32(EPOLL_CLOEXEC))
        guard replies >= 0 else {
            let failure = errno
            Glibc.close(epoll)
            throw ProbeSystemError(call: "epoll_create1", errno: failure)
        }
        wakeFD = eventfd(0, Int32(EFD_NONBLOCK | EFD_CLOEXEC))
        guard wakeFD >= 0 else {
            let failure = errno
            Glibc.close(replies)
            Glibc.close(epoll)
            throw ProbeSystemError(call: "eventfd", errno: failure)
        }
        var event = epoll_event(events: EPOLLIN.rawValue, data: epoll_data_t(u64: Self.wakeToken))
        guard epoll_ctl(epoll, EPOLL_CTL_ADD, wakeFD, &event) == 0 else {
            let failure = errno
            Glibc.close(wakeFD)
            Glibc.close(replies)
            Glibc.close(epoll)
            throw ProbeSystemError(call: "epoll_ctl", errno: failure)
        }
    }

    /// Watches `socket` for reading and the peer's close (and for writing if `writable`) until it is
    /// closed; with `deferred`, its reading is read at the engine's ticks, its writing watched at once.
    /// Returns 0 or the errno.
    func add(_ socket: Int32, token: UInt64, writable: Bool, deferred: Bool) -> Int32 {
        guard deferred else { return control(epoll, EPOLL_CTL_ADD, socket, token: token, events: Self.readEvents | (writable ? EPOLLOUT.rawValue : 0)) }
        let error = control(replies, EPOLL_CTL_ADD, socket, token: token, events: Self.readEvents)
        guard error == 0, writable else { return error }
        return control(epoll, EPOLL_CTL_ADD, socket, token: token, events: EPOLLOUT.rawValue | EPOLLET.rawValue)
    }

    /// Starts watching an already watched socket for writing (a request did not go out in one piece);
    /// returns 0 or the errno.
    func watchWritable(_ socket: Int32, token: UInt64, deferred: Bool) -> Int32 {
        guard deferred else { return control(epoll, EPOLL_CTL_MOD, socket, token: token, events: Self.readEvents | EPOLLOUT.rawValue) }
        return control(epoll, EPOLL_CTL_ADD, socket, token: token, events: EPOLLOUT.rawValue | EPOLLET.rawValue)
    }

    private func control(_ set: Int32, _ operation: Int32, _ socket: Int32, token: UInt64, events: UInt32) -> Int32 {
        var event = epoll_event(events: events, data: epoll_data_t(u64: token))
        return epoll_ctl(set, operation, socket, &event) == 0 ? 0 : errno
    }

    /// Waits up to `timeout` milliseconds (-1: no limit) and returns how many events were filled in.
    func wait(_ events: UnsafeMutableBufferPointer<epoll_event>, timeout: Int32) -> Int {
        let count = epoll_wait(epoll, events.baseAddress, Int32(events.count), timeout)
        return Int(max(0, count))
    }

    /// Fills in the replies' events that are ready, without waiting; returns how many.
    func collectReplies(_ events: UnsafeMutableBufferPointer<epoll_event>) -> Int {
        let count = epoll_wait(replies, events.baseAddress, Int32(events.count), 0)
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
        Glibc.close(replies)
        Glibc.close(epoll)
    }
}

/// The engine could not set itself up (no epoll, no eventfd, no thread): nothing can be probed.
public struct ProbeSystemError: Error, Sendable, CustomStringConvertible {
    public let call: String
    public let errno: Int32
    public var description: String { "\(call) failed: \(String(cString: strerror(errno)))" }
}
