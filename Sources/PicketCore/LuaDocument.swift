/// What Picket pushes to nginx's sync endpoint: for every upstream the Lua balancer carries, the servers
/// that take traffic (weights and `backup` as rendered), the stamp of the server lines nginx runs, and
/// a generation naming the whole content.
///
/// The generation is a digest of the content, not a counter: equal sets have equal generations across
/// Picket restarts, and "the endpoint holds another generation" is all it takes to push again.
public struct LuaDocument: Hashable, Sendable {
    public struct Peer: Hashable, Sendable {
        public let address: ServerAddress
        public let weight: Int
        public let backup: Bool
    }

    public struct Entry: Hashable, Sendable {
        public let name: AppName
        public let stamp: String
        public let method: LuaBalancer.Method
        public let peers: [Peer]
    }

    public let entries: [Entry]
    public let generation: String

    /// The document for `desired` while nginx runs the file rendered from `live`: each carried upstream
    /// of `desired` that the file has, stamped with the file's lines. An upstream without a server that
    /// may take traffic is left out: nginx then balances over the file's lines, all `down` then.
    public init(desired: UpstreamSet, live: UpstreamSet) {
        let files = Dictionary(live.upstreams.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        entries = desired.upstreams.compactMap { upstream in
            guard let file = files[upstream.name], LuaBalancer.carries(file), LuaBalancer.carries(upstream),
                let method = LuaBalancer.Method(upstream.balance)
            else { return nil }
            let peers = upstream.servers.filter { !$0.down }.map { Peer(address: $0.address, weight: $0.weight, backup: $0.backup) }
            guard !peers.isEmpty else { return nil }
            return Entry(name: upstream.name, stamp: LuaBalancer.stamp(file), method: method, peers: peers)
        }
        generation = FNV1a.hex(Self.upstreamsJSON(entries))
    }

    /// The request body. Names, addresses and stamps are validated values that need no JSON escaping.
    public var json: String {
        #"{"generation":"\#(generation)","upstreams":\#(Self.upstreamsJSON(entries))}"#
    }

    private static func upstreamsJSON(_ entries: [Entry]) -> String {
        let upstreams = entries.map { entry in
            let peers = entry.peers.map { #"{"address":"\#($0.address)","weight":\#($0.weight),"backup":\#($0.backup)}"# }
            return #""\#(entry.name)":{"stamp":"\#(entry.stamp)","method":"\#(entry.method.rawValue)","peers":[\#(peers.joined(separator: ","))]}"#
        }
        return "{\(upstreams.joined(separator: ","))}"
    }
}
