import Foundation

/// A unix datagram socket aimed at Picket's passive socket, as nginx's syslog sender has one: unbound,
/// so Picket sees an empty peer address.
final class DatagramSender: @unchecked Sendable {
    private let fd = Glibc.socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
    private var address = sockaddr_un()

    init(to path: String) {
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in for (index, byte) in path.utf8.enumerated() { raw[index] = byte } }
    }

    /// Sends one datagram; false when the kernel refused it (with `waiting` false, a full queue too).
    func send(_ bytes: [UInt8], waiting: Bool = true) -> Bool {
        withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { target in
                bytes.withUnsafeBytes {
                    sendto(fd, $0.baseAddress, $0.count, waiting ? 0 : Int32(MSG_DONTWAIT), target, socklen_t(MemoryLayout<sockaddr_un>.size))
                }
            }
        } >= 0
    }

    func close() {
        Glibc.close(fd)
    }
}
