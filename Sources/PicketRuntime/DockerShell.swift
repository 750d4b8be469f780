import Logging
import NIOCore
import PicketConfig
import PicketCore
import PicketDocker
import PicketHTTPClient

/// The Docker side of the shell: for each engine the apps use, one client (with its own circuit
/// breaker, so one engine's outage never holds another's actions), discovery of its apps' containers
/// feeding the controller, and the executor of the core's container actions. Built only when some app
/// discovers containers.
struct DockerShell: Sendable {
    private struct Engine: Sendable {
        let client: DockerClient
        let discovery: ContainerDiscovery
        let actions: ContainerActions
    }

    private let engines: [DockerEngineName: Engine]

    /// `onOutage` gets the engine's name and the reason, once per outage.
    init(engines: [DockerEngineName: DockerEngine], configuration: PicketConfiguration, group: EventLoopGroup, logger: Logger,
         events: AsyncStream<ControllerEvent>.Continuation, onOutage: @escaping @Sendable (DockerEngineName, String) -> Void) throws(HTTPTransportError) {
        var built: [DockerEngineName: Engine] = [:]
        for (name, engine) in engines {
            var logger = logger
            if name != .default { logger[metadataKey: "engine"] = "\(name)" }
            let client = try DockerClient(
                engine: engine, name: name, group: group, callTimeout: configuration.docker.callTimeout, logger: logger) { onOutage(name, $0) }
            let discovery = ContainerDiscovery(
                client: client, apps: Self.apps(configuration, on: name), resyncInterval: configuration.docker.resyncInterval, logger: logger
            ) { containers, listedAt in
                events.yield(.containers(containers, listedAt: listedAt))
            }
            built[name] = Engine(client: client, discovery: discovery, actions: ContainerActions(client: client))
        }
        self.engines = built
    }

    /// Each engine's client (a fleet leases each engine by the ID it reports).
    var clients: [DockerEngineName: DockerClient] { engines.mapValues(\.client) }

    /// The names of the engines, to tell a reloaded config that needs another one.
    var engineNames: Set<DockerEngineName> { Set(engines.keys) }

    /// Discovers on every engine until cancelled.
    func run() async {
        await withTaskGroup(of: Void.self) { group in
            for engine in engines.values { group.addTask { await engine.discovery.run() } }
            await group.waitForAll()
        }
    }

    /// Lists every engine again without waiting (after a container action, say).
    func resyncSoon() {
        for engine in engines.values { engine.discovery.resyncSoon() }
    }

    /// A reloaded config: each engine discovers the apps that now name it.
    func update(_ configuration: PicketConfiguration) {
        for (name, engine) in engines {
            engine.discovery.update(apps: Self.apps(configuration, on: name), resyncInterval: configuration.docker.resyncInterval)
        }
    }

    /// Carries out `command` on the engine of its app.
    func perform(_ command: DockerCommand, source: DockerSource) async -> DockerActionResult {
        guard let engine = engines[source.engine] else { return .failed("no Docker engine '\(source.engine)' (added by a reload: restart Picket)") }
        return await engine.actions.perform(command, selector: source.selector)
    }

    private static func apps(_ configuration: PicketConfiguration, on engine: DockerEngineName) -> [AppSpec] {
        configuration.dockerApps.filter { $0.docker?.engine == engine }
    }
}
