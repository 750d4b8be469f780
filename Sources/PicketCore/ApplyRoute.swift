/// Which way an apply reaches nginx, decided from values alone (no I/O) so that every case is tested on
/// its own.
public enum ApplyRoute: Hashable, Sendable {
    /// Push the set to the Lua sync endpoint: no file written, no reload.
    case lua
    /// Render, `nginx -t`, swap, reload.
    case file(FileReason)

    /// Why an apply takes the file path.
    public enum FileReason: Hashable, Sendable {
        /// `nginx.mode: reload`.
        case reloadMode
        /// Picket has not written a file this run, or a reloaded config renders it differently (a
        /// template, a path, the mode): the file is rendered again first.
        case noLiveFile
        /// The set of upstreams changed (an app added or removed).
        case appsChanged
        /// This app's upstream changed beyond membership and weights (balance method, keepalive, context).
        case structure(AppName)
        /// This app's membership changed, but the Lua balancer cannot carry it (see `LuaBalancer.carries`).
        case notCarried(AppName)
        /// No server of this app may take traffic: its file lines, all `down`, make nginx answer 502 at
        /// once (a Lua balancer without a peer can only make it 500).
        case noServer(AppName)
        /// The push was refused or failed: the file path stands in for it.
        case pushFailed(String)
    }

    /// The route from `live` (the set the file nginx runs was rendered from) to `desired`. In `lua` mode
    /// everything that only moves servers in and out or changes weights goes through Lua, including a
    /// set equal to the file's: a set pushed earlier may still be in nginx's dict for the same lines.
    public static func choose(mode: NginxMode, live: UpstreamSet?, desired: UpstreamSet) -> ApplyRoute {
        guard mode == .lua else { return .file(.reloadMode) }
        guard let live else { return .file(.noLiveFile) }
        guard live.upstreams.map(\.name) == desired.upstreams.map(\.name) else { return .file(.appsChanged) }
        for (old, new) in zip(live.upstreams, desired.upstreams) where old != new {
            guard old.balance == new.balance, old.context == new.context, old.keepalive == new.keepalive else {
                return .file(.structure(new.name))
            }
            guard LuaBalancer.carries(old), LuaBalancer.carries(new) else { return .file(.notCarried(new.name)) }
            guard new.servers.contains(where: { !$0.down }) else { return .file(.noServer(new.name)) }
        }
        return .lua
    }
}
