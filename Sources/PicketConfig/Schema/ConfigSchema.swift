/// Every section of a Picket config, from the top: the one place that lists them.
public enum ConfigSchema {
    static let nginx = ConfigKey("nginx", .section(NginxKeys.section), .required, "where nginx is and how it is validated and reloaded")
    static let probes = ConfigKey("probes", .section(OperationsKeys.probes), .none, "the probe engine")
    static let docker = ConfigKey("docker", .section(DockerKeys.engine), .none, "how Picket reaches the Docker engine")
    static let status = ConfigKey("status", .section(OperationsKeys.status), .none, "the status server")
    static let state = ConfigKey("state", .section(OperationsKeys.state), .none, "Picket's memory across restarts")
    static let alerts = ConfigKey("alerts", .section(OperationsKeys.alerts), .none, "webhook alerts")
    static let passive = ConfigKey("passive", .section(PassiveKeys.listener), .none, "where nginx's access log arrives for passive detection")
    static let node = ConfigKey("node", .section(FleetKeys.node), .none, "this Picket's name in a fleet")
    static let fleet = ConfigKey("fleet", .section(FleetKeys.fleet), .none, "how the Pickets on one PostgreSQL database share Docker actions")
    static let defaults = ConfigKey("defaults", .section(AppKeys.defaults), .none, "app-level keys merged under every app (an app's own value wins)")
    static let apps = ConfigKey("apps", .sections(AppKeys.section), .required, "the upstreams, at least one")

    /// The top of the file.
    public static let root = ConfigSection("", [nginx, probes, docker, status, state, node, fleet, alerts, passive, defaults, apps])

    /// Every section once, depth first from the top (`defaults` shares its nested sections with apps).
    public static var sections: [ConfigSection] {
        var found: [ConfigSection] = []
        func visit(_ section: ConfigSection) {
            guard !found.contains(where: { $0.path == section.path }) else { return }
            found.append(section)
            for key in section.keys {
                switch key.kind {
                case .section(let nested), .sections(let nested): visit(nested)
                default: break
                }
            }
        }
        visit(root)
        return found
    }
}
