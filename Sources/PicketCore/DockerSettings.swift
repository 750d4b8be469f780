/// How Picket reaches the Docker engine, for apps that discover containers.
public struct DockerSettings: Hashable, Sendable {
    public static let defaultSocket = "/var/run/docker.sock"

    /// The engine's unix socket; nil: `DOCKER_HOST=unix://...` if set, else `defaultSocket`.
    public var socket: String?
    /// Each API call must answer within this (a restart also gets its stop timeout on top).
    public var callTimeout: Duration
    /// A full listing this often, whatever the event stream says (level-triggered discovery).
    public var resyncInterval: Duration

    public init(socket: String? = nil, callTimeout: Duration = .seconds(10), resyncInterval: Duration = .seconds(10)) {
        self.socket = socket
        self.callTimeout = callTimeout
        self.resyncInterval = resyncInterval
    }

    /// The socket to use given the environment's `DOCKER_HOST`; an error names a non-unix host.
    public func socketPath(environment: [String: String]) -> Result<String, DockerHostError> {
        if let socket { return .success(socket) }
        guard let host = environment["DOCKER_HOST"], !host.isEmpty else { return .success(Self.defaultSocket) }
        guard host.hasPrefix("unix://"), host.count > 7 else { return .failure(DockerHostError(value: host)) }
        return .success(String(host.dropFirst(7)))
    }
}

/// `DOCKER_HOST` names something other than a unix socket.
public struct DockerHostError: Error, Hashable, Sendable, CustomStringConvertible {
    public let value: String

    public init(value: String) {
        self.value = value
    }

    public var description: String {
        "DOCKER_HOST=\(value): Picket talks to the engine over its unix socket only (unix:///var/run/docker.sock); set docker.socket"
    }
}
