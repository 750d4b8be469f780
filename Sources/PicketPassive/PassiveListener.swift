import Foundation
import NIOConcurrencyHelpers
import PicketCore

/// Receives nginx's access-log datagrams on a thread of its own and feeds them to a `PassiveIngest`;
/// every `flush` it tells `onReady` (at most once per batch) that tallies wait for the controller loop.
///
/// Why not a SwiftNIO datagram channel: nginx's syslog sender never binds its unix socket, and NIO's
/// datagram channel refuses such a datagram's empty peer address (a trap with vector reads, a closed
/// channel without). A `poll(2)` and `recvfrom(2)` loop is all this needs: no protocol beyond the log
/// line that `PassiveLine` reads.
public final class PassiveListener: Sendable {
    private let descriptor: Int32
    private let stopped = NIOLockedValueBox(false)
    public let endpoint: PassiveEndpoint

    /// Binds `endpoint` (a unix socket file is replaced and given `mode`) and starts receiving.
    public init(_ endpoint: PassiveEndpoint, ingest: PassiveIngest, flush: Duration = .milliseconds(10), onReady: @escaping @Sendable () -> Void) throws {
        self.endpoint = endpoint
        descriptor = try Self.bind(endpoint)
        let descriptor = descriptor, stopped = stopped, loopbackOnly = endpoint.isUDP
        let thread = Thread {
            // Named from inside: on Linux, a `Thread.name` set before `start()` never reaches the kernel,
            // and `top -H` or a benchmark reading /proc could not tell this thread apart.
            Thread.current.name = "picket-passive"
            Self.receive(descriptor, ingest: ingest, loopbackOnly: loopbackOnly, flush: flush, stopped: stopped, onReady: onReady)
        }
        thread.start()
    }

    /// Stops receiving; the thread closes the socket within 100 ms.
    public func stop() {
        stopped.withLockedValue { $0 = true }
    }

    public struct BindError: Error, CustomStringConvertible {
        public let description: String
    }

    private static func bind(_ endpoint: PassiveEndpoint) throws -> Int32 {
        switch endpoint {
        case .unix(let path, let mode):
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            guard path.utf8.count < MemoryLayout.size(ofValue: sockaddr_un().sun_path) else { throw BindError(description: "socket path too long: \(path)") }
            unlink(path)
            let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            var address = sockaddr_un()
            address.sun_family = sa_family_t(AF_UNIX)
            withUnsafeMutableBytes(of: &address.sun_path) { raw in for (index, byte) in path.utf8.enumerated() { raw[index] = byte } }
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
            }
            try check(bound, fd, "bind \(path)")
            chmod(path, mode_t(mode))
            return fd
        case .udp(let host, let port):
            var hints = addrinfo()
            hints.ai_socktype = Int32(SOCK_DGRAM.rawValue)
            hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV
            var info: UnsafeMutablePointer<addrinfo>?
            guard getaddrinfo(host, String(port), &hints, &info) == 0, let first = info else {
                throw BindError(description: "\(host) is not a numeric address")
            }
            defer { freeaddrinfo(info) }
            let fd = socket(first.pointee.ai_family, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            var size: Int32 = 4 << 20
            setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
            try check(Glibc.bind(fd, first.pointee.ai_addr, first.pointee.ai_addrlen), fd, "bind \(host):\(port)")
            return fd
        }
    }

    private static func check(_ result: Int32, _ fd: Int32, _ what: String) throws {
        guard result != 0 else { return }
        let reason = String(cString: strerror(errno))
        close(fd)
        throw BindError(description: "\(what): \(reason)")
    }

    private static func receive(
        _ fd: Int32, ingest: PassiveIngest, loopbackOnly: Bool, flush: Duration, stopped: NIOLockedValueBox<Bool>, onReady: @Sendable () -> Void
    ) {
        var buffer = [UInt8](repeating: 0, count: 16_384)
        var sender = sockaddr_storage()
        let clock = ContinuousClock()
        var lastFlush = clock.now
        defer { close(fd) }
        while !stopped.withLockedValue({ $0 }) {
            var poll = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            if Glibc.poll(&poll, 1, 20) > 0 {
                while true {
                    var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
                    let received = buffer.withUnsafeMutableBytes { bytes in
                        withUnsafeMutablePointer(to: &sender) {
                            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                                recvfrom(fd, bytes.baseAddress, bytes.count, Int32(MSG_DONTWAIT), $0, &length)
                            }
                        }
                    }
                    guard received >= 0 else { break }
                    if loopbackOnly, !isLoopback(sender) {
                        ingest.refuseForeign()
                    } else {
                        buffer.withUnsafeBufferPointer { ingest.receive(UnsafeBufferPointer(rebasing: $0[..<received])) }
                    }
                    if clock.now - lastFlush >= flush { break }
                }
            }
            if clock.now - lastFlush >= flush {
                lastFlush = clock.now
                if ingest.takeSignal() { onReady() }
            }
        }
    }

    private static func isLoopback(_ storage: sockaddr_storage) -> Bool {
        var storage = storage
        switch Int32(storage.ss_family) {
        case AF_INET:
            return withUnsafeBytes(of: &storage) { $0.load(as: sockaddr_in.self).sin_addr.s_addr & 0xFF == 127 }
        case AF_INET6:
            return withUnsafeBytes(of: &storage) { raw in
                let bytes = raw.load(as: sockaddr_in6.self).sin6_addr.__in6_u.__u6_addr8
                let all = withUnsafeBytes(of: bytes) { Array($0) }
                return all == [UInt8](repeating: 0, count: 15) + [1] || (all[0..<10].allSatisfy { $0 == 0 } && all[10] == 0xFF && all[11] == 0xFF && all[12] == 127)
            }
        default:
            return false
        }
    }
}
