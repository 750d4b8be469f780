/// What nginx/lua/picket.lua can balance, and how a rendered upstream is named to it.
public enum LuaBalancer {
    /// The balance methods the Lua balancer implements. Hash methods (`ip_hash`, `hash`) map clients to
    /// servers by position and `random` draws from nginx's own peers, so their apps keep the reload path.
    public enum Method: String, Hashable, Sendable {
        case roundRobin = "round_robin"
        case leastConn = "least_conn"

        public init?(_ balance: Balance) {
            switch balance {
            case .roundRobin: self = .roundRobin
            case .leastConn: self = .leastConn
            case .ipHash, .hash, .random: return nil
            }
        }
    }

    /// Whether the balancer can carry this upstream's membership: an `http {}` upstream (the stream
    /// module's Lua is another package), balanced by a method it implements, whose servers are all IPv4
    /// addresses (`ngx.balancer` connects to addresses, it does not resolve names).
    public static func carries(_ upstream: Upstream) -> Bool {
        guard upstream.context == .http, Method(upstream.balance) != nil else { return false }
        return upstream.servers.allSatisfy { server in
            if case .network(.ipv4, _) = server.address.kind { return true }
            return false
        }
    }

    /// Names the server lines an upstream was rendered with: the rendered `balancer_by_lua_block` carries
    /// it, and a pushed set is only used where it was computed against the same lines. After a file
    /// apply nginx balances over the new lines until the next push, never over a set meant for old ones.
    public static func stamp(_ upstream: Upstream) -> String {
        var text = "\(upstream.name)|\(upstream.balance)|\(upstream.keepalive ?? 0)"
        for server in upstream.servers {
            text += "|\(server.address) \(server.weight) \(server.maxFails) \(server.failTimeout.nanoseconds) \(server.backup) \(server.down)"
        }
        return FNV1a.hex(text)
    }
}

/// FNV-1a, 64 bits: a stable digest (Swift's `Hasher` is seeded per process) for stamps and
/// generations, which must name the same content across Picket restarts.
enum FNV1a {
    static func hex(_ text: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01b3
        }
        return withUnsafeBytes(of: hash.bigEndian) { FixedText.hex($0) }
    }
}
