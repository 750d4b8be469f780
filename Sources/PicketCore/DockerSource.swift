/// Where an app finds instances in Docker: the containers whose labels match `selector`.
///
/// Discovery is level-triggered: the shell lists matching containers on start, periodically and after
/// engine events, and hands the whole list to the core, which treats each container as an instance.
public struct DockerSource: Hashable, Sendable {
    /// How a container's address is found.
    public enum Addressing: Hashable, Sendable {
        /// `network_mode: host`: the container listens on the host, so Picket and nginx use
        /// `127.0.0.1:<port>`.
        case host
        /// The container's IP address on this Docker network.
        case network(String)
    }

    /// Every label here must be present with this value (`picket.app=<app name>` by default).
    public var selector: [String: String]
    /// The traffic port; the `picket.port` label of a container overrides it. nil: the label is required.
    public var port: Int?
    public var addressing: Addressing
    /// The engine the containers run on: one of `docker.engines`, or the default engine.
    public var engine: DockerEngineName

    public init(selector: [String: String], port: Int? = nil, addressing: Addressing = .host, engine: DockerEngineName = .default) {
        self.selector = selector
        self.port = port
        self.addressing = addressing
        self.engine = engine
    }

    /// The selector an app gets when it names none.
    public static func defaultSelector(for app: AppName) -> [String: String] {
        ["picket.app": app.description]
    }

    /// Picket acts only on containers this returns true for, whatever else it is told.
    public func selects(labels: [String: String]) -> Bool {
        selector.allSatisfy { labels[$0.key] == $0.value }
    }
}
