import Glibc
import PicketCore

/// A socket address to connect a check to: an IP address and port, or a unix socket path. Host names
/// are resolved into one with `resolve` (blocking: never on the engine's thread).
enum SocketTarget {
    case v4(sockaddr_in)
    case v6(sockaddr_in6)
    case unix(sockaddr_un)

    /// What connecting to `address` needs: a target right away, or a name to resolve first.
    enum Plan {
        case ready(SocketTarget)
        case resolve(host: String, port: Int)
    }

    static func plan(_ address: ServerAddress) -> Plan {
        switch address.kind {
        case .network(.ipv4(let ip), let port):
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(port)).bigEndian
            _ = inet_pton(AF_INET, ip, &address.sin_addr)
            return .ready(.v4(address))
        case .network(.ipv6(let ip), let port):
            var address = sockaddr_in6()
            address.sin6_family = sa_family_t(AF_INET6)
            address.sin6_port = in_port_t(UInt16(port)).bigEndian
            _ = inet_pton(AF_INET6, ip, &address.sin6_addr)
            return .ready(.v6(address))
        case .network(.name(let name), let port):
            return .resolve(host: name, port: port)
        case .unix(let path):
            var address = sockaddr_un()
            address.sun_family = sa_family_t(AF_UNIX)
            withUnsafeMutableBytes(of: &address.sun_path) { bytes in
                let utf8 = Array(path.utf8.prefix(bytes.count - 1))
                bytes.copyBytes(from: utf8)
                bytes[utf8.count] = 0
            }
            return .ready(.unix(address))
        }
    }

    /// Resolves a host name (getaddrinfo, first address in the system's preferred order).
    static func resolve(host: String, port: Int) -> SocketTarget? {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &list) == 0, let list else { return nil }
        defer { freeaddrinfo(list) }
        var entry: UnsafeMutablePointer<addrinfo>? = list
        while let current = entry {
            if let address = current.pointee.ai_addr {
                switch current.pointee.ai_family {
                case AF_INET: return .v4(UnsafeRawPointer(address).load(as: sockaddr_in.self))
                case AF_INET6: return .v6(UnsafeRawPointer(address).load(as: sockaddr_in6.self))
                default: break
                }
            }
            entry = current.pointee.ai_next
        }
        return nil
    }

    var family: Int32 {
        switch self {
        case .v4: return AF_INET
        case .v6: return AF_INET6
        case .unix: return AF_UNIX
        }
    }

    func withSocketAddress<Result>(_ body: (UnsafePointer<sockaddr>, socklen_t) -> Result) -> Result {
        func call<Address>(_ address: Address) -> Result {
            withUnsafeBytes(of: address) { body($0.baseAddress!.assumingMemoryBound(to: sockaddr.self), socklen_t($0.count)) }
        }
        switch self {
        case .v4(let address): return call(address)
        case .v6(let address): return call(address)
        case .unix(let address): return call(address)
        }
    }
}
