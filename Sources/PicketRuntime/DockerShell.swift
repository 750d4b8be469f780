import Logging
import NIOCore
import PicketConfig
import PicketCore
import PicketDocker

/// The Docker side of the shell: one client for the engine, discovery feeding the controller, and
/// the executor of the core's container actions. Built only when some app discovers containers.
struct DockerShell: Sendable {
    let client: DockerClient
    let discovery: ContainerDiscovery
    let actions: ContainerActions

    init(socketPath: String, configuration: PicketConfiguration, group: EventLoopGroup, logger: Logger,
         events: AsyncStream<ControllerEvent>.Continuation, onOutage: @escaping @Sendable (String) -> Void) {
        client = DockerClient(
            socketPath: socketPath, group: group, callTimeout: configuration.docker.callTimeout, logger: logger, onOutage: onOutage)
        discovery = ContainerDiscovery(
            client: client, apps: configuration.dockerApps, resyncInterval: configuration.docker.resyncInterval, logger: logger
        ) { containers, listedAt in
            events.yield(.containers(containers, listedAt: listedAt))
        }
        actions = ContainerActions(client: client)
    }
}
