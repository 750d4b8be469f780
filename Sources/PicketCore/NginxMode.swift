/// How membership changes reach nginx.
public enum NginxMode: String, Hashable, Sendable, CaseIterable {
    /// Every change is rendered, validated with `nginx -t`, swapped in and followed by a reload.
    case reload
    /// Membership and weights of the upstreams the Lua balancer can carry are pushed to nginx's sync
    /// endpoint (nginx/lua-sync.conf) and applied by every worker without a reload; anything that needs
    /// nginx syntax still takes the reload path. A reload ends every kept-alive client connection of the
    /// old workers, which is what this mode avoids.
    case lua
}

/// Where Picket finds the sync endpoint of nginx/lua-sync.conf and how it proves it is Picket.
public struct LuaSyncSettings: Hashable, Sendable {
    /// The unix socket nginx serves the sync endpoint on (`listen unix:...` in the snippet).
    public var socket: String
    /// A file holding the shared secret both sides read; Picket sends it as `X-Picket-Token`.
    public var secretFile: String
    /// How often Picket asks the endpoint for the generation it holds: an nginx restart empties the
    /// shared dict, and the next check pushes the set again.
    public var checkInterval: Duration

    public init(socket: String = "/run/picket/lua.sock", secretFile: String = "/etc/picket/lua.secret", checkInterval: Duration = .milliseconds(250)) {
        self.socket = socket
        self.secretFile = secretFile
        self.checkInterval = checkInterval
    }
}
