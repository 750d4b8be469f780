import PicketCore

/// Everything a config file declares, validated: apps for the core, settings for the shell.
public struct PicketConfiguration: Hashable, Sendable {
    public var apps: [AppSpec]
    public var controller: ControllerSettings
    public var nginx: NginxSettings
    public var docker: DockerSettings
    public var status: StatusSettings
    public var state: StateSettings
    public var alerts: AlertSettings
    /// At most this many probes are under way at once; more wait their turn (and report lag).
    public var maxConcurrentProbes: Int
    /// Where nginx's access-log datagrams arrive for passive detection; nil: passive detection is off.
    public var passive: PassiveEndpoint?
    /// This node's name and the fleet's lease settings; they matter only with a PostgreSQL `state.url`.
    public var fleet: FleetSettings

    public init(apps: [AppSpec], controller: ControllerSettings, nginx: NginxSettings, docker: DockerSettings = DockerSettings(), status: StatusSettings = StatusSettings(), state: StateSettings? = nil, alerts: AlertSettings = AlertSettings(), maxConcurrentProbes: Int = 512, passive: PassiveEndpoint? = nil, fleet: FleetSettings = FleetSettings(nodeName: "picket")) {
        self.apps = apps
        self.controller = controller
        self.nginx = nginx
        self.docker = docker
        self.status = status
        self.state = state ?? StateSettings(enabled: false, path: "")
        self.alerts = alerts
        self.maxConcurrentProbes = maxConcurrentProbes
        self.passive = passive
        self.fleet = fleet
    }

    public var backendCount: Int { apps.reduce(0) { $0 + $1.instances.count } }

    /// Apps that take instances from Docker; without any, Picket never opens the Docker socket.
    public var dockerApps: [AppSpec] { apps.filter { $0.docker != nil } }
}
