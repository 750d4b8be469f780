import CPicketLinux
import Glibc

/// The few socket calls a check makes, on non-blocking descriptors. Each returns an errno instead of
/// throwing: the engine turns errnos into failure classes.
enum ProbeSocket {
    /// A non-blocking socket that closes with a reset (SO_LINGER 0), connecting to `target`: the
    /// descriptor, or the errno that kept it from being made or from starting to connect.
    ///
    /// `sendsAtOnce`: the check writes as soon as it connects, so the handshake's last ACK can wait and
    /// ride on the request (TCP_QUICKACK off, as HAProxy's `tcp-smart-connect`): one segment less per
    /// check for both ends to process.
    ///
    /// `stampsArrivals`: the kernel stamps what arrives (`receive(_:into:arrived:)`), so that a reply read
    /// late still tells when it came.
    static func connect(to target: SocketTarget, sendsAtOnce: Bool, stampsArrivals: Bool) -> (fd: Int32, errno: Int32) {
        let fd = socket(target.family, Int32(SOCK_STREAM.rawValue | SOCK_NONBLOCK.rawValue | SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return (-1, errno) }
        if stampsArrivals { _ = c_picket_stamp_arrivals(fd) }
        // A reset instead of a FIN, as HAProxy closes checks: no TIME_WAIT for every check.
        var reset = linger(l_onoff: 1, l_linger: 0)
        _ = setsockopt(fd, SOL_SOCKET, SO_LINGER, &reset, socklen_t(MemoryLayout<linger>.size))
        if sendsAtOnce, target.family != AF_UNIX {
            var quickAck: Int32 = 0
            _ = setsockopt(fd, Int32(IPPROTO_TCP), TCP_QUICKACK, &quickAck, socklen_t(MemoryLayout<Int32>.size))
        }
        let result = target.withSocketAddress { Glibc.connect(fd, $0, $1) }
        if result == 0 || errno == EINPROGRESS { return (fd, 0) }
        let failure = errno
        Glibc.close(fd)
        return (-1, failure)
    }

    /// Bytes written, or -errno (EAGAIN while still connecting or the buffer is full).
    static func send(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) -> Int {
        let written = Glibc.send(fd, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL))
        return written >= 0 ? written : -Int(errno)
    }

    /// Bytes read (0 at the end of the stream), or -errno.
    static func receive(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer) -> Int {
        let read = recv(fd, buffer.baseAddress, buffer.count, 0)
        return read >= 0 ? read : -Int(errno)
    }

    /// The same, and the arrival time of the last bytes read (CLOCK_REALTIME nanoseconds) in `arrived`
    /// on a socket whose arrivals the kernel stamps.
    static func receive(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer, arrived: inout Int64) -> Int {
        let read = c_picket_recv_stamped(fd, buffer.baseAddress, buffer.count, &arrived)
        return read >= 0 ? read : -Int(errno)
    }

    /// The error a connect ended with (SO_ERROR), 0 when it succeeded.
    static func pendingError(_ fd: Int32) -> Int32 {
        var error: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        guard getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) == 0 else { return errno }
        return error
    }

    static func close(_ fd: Int32) {
        _ = Glibc.close(fd)
    }
}
