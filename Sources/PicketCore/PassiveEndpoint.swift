/// Where nginx's access-log datagrams arrive: a unix datagram socket (the default, whose file mode
/// says which local users may report traffic) or a loopback UDP port (anything not from loopback is
/// dropped).
public enum PassiveEndpoint: Hashable, Sendable, CustomStringConvertible {
    case unix(path: String, mode: Int)
    case udp(host: String, port: Int)

    public var description: String {
        switch self {
        case .unix(let path, _): return "unix:\(path)"
        case .udp(let host, let port): return "\(host):\(port)"
        }
    }

    public var isUDP: Bool {
        if case .udp = self { return true }
        return false
    }
}

