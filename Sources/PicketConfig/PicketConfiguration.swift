import PicketCore

/// Everything a config file declares, validated: apps for the core, settings for the shell.
public struct PicketConfiguration: Hashable, Sendable {
    public var apps: [AppSpec]
    public var controller: ControllerSettings
    public var nginx: NginxSettings
    /// At most this many probes are under way at once; more wait their turn (and report lag).
    public var maxConcurrentProbes: Int

    public init(apps: [AppSpec], controller: ControllerSettings, nginx: NginxSettings, maxConcurrentProbes: Int = 512) {
        self.apps = apps
        self.controller = controller
        self.nginx = nginx
        self.maxConcurrentProbes = maxConcurrentProbes
    }

    public var backendCount: Int { apps.reduce(0) { $0 + $1.instances.count } }
}
