/// One container as the last Docker listing showed it, turned into an instance of its app.
public struct ContainerObservation: Hashable, Sendable {
    /// Docker's run state, as `GET /containers/json` reports it.
    public enum RunState: String, Hashable, Sendable {
        case created, running, paused, restarting, removing, exited, dead
    }

    /// The result of the container's own HEALTHCHECK, when the image defines one.
    public enum Health: String, Hashable, Sendable {
        case starting, healthy, unhealthy
    }

    public var id: String
    public var name: String
    public var instance: InstanceSpec
    /// What this container's labels change about its app's check (`picket.health.path`, `.type`).
    public var checkOverrides: ContainerLabels.CheckOverrides
    public var state: RunState
    public var health: Health?

    public init(id: String, name: String, instance: InstanceSpec, checkOverrides: ContainerLabels.CheckOverrides = .init(), state: RunState, health: Health? = nil) {
        self.id = id
        self.name = name
        self.instance = instance
        self.checkOverrides = checkOverrides
        self.state = state
        self.health = health
    }

    /// Stopped for good unless someone starts it again.
    public var hasExited: Bool { state == .exited || state == .dead }

    /// A short id for logs, as `docker ps` prints it.
    public var shortID: String { String(id.prefix(12)) }
}
