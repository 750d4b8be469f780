import Logging
import NIOPosix
import PicketHTTPClient
import PicketCore
import PicketDocker

/// One listing of the containers of Docker-backed apps, turned into instances: what discovery reports
/// to the loop on every resync, and what `picket render` and `picket check` show.
public struct ContainerListing: Sendable {
    /// A container that matched an app's selector but whose labels were refused.
    public struct Rejected: Sendable {
        public let app: AppName
        public let id: String
        public let name: String
        public let error: LabelError
    }

    /// The containers of each app that could be listed.
    public var found: [AppName: [ContainerObservation]] = [:]
    public var rejected: [Rejected] = []
    /// Apps whose listing failed (engine unreachable, timeout, an API error).
    public var failures: [(app: AppName, error: DockerError)] = []

    static func list(_ apps: [AppSpec], client: DockerClient) async -> ContainerListing {
        var listing = ContainerListing()
        for app in apps {
            guard let source = app.docker else { continue }
            do {
                let summaries = try await client.listContainers(labels: source.selector)
                listing.found[app.name] = summaries.compactMap { summary in
                    guard source.selects(labels: summary.labels ?? [:]) else { return nil }
                    switch summary.observation(for: source) {
                    case .success(let observation):
                        return observation
                    case .failure(let error):
                        listing.rejected.append(Rejected(app: app.name, id: summary.id, name: summary.name, error: error))
                        return nil
                    case nil:
                        return nil
                    }
                }
            } catch {
                listing.failures.append((app.name, error))
            }
        }
        return listing
    }

    /// One listing for a command that runs once: the apps of `setup` that discover containers, each
    /// through its engine. Empty when no app uses Docker.
    public static func once(_ setup: RuntimeSetup) async -> ContainerListing {
        guard !setup.dockerEngines.isEmpty else { return ContainerListing() }
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        var listing = ContainerListing()
        for (name, engine) in setup.dockerEngines.sorted(by: { $0.key < $1.key }) {
            let apps = setup.configuration.dockerApps.filter { $0.docker?.engine == name }
            do {
                let client = try DockerClient(engine: engine, name: name, group: group, callTimeout: setup.configuration.docker.callTimeout, logger: Logger(label: "picket.docker"))
                listing.merge(await list(apps, client: client))
            } catch {
                listing.failures += apps.map { ($0.name, DockerError(error)) }
            }
        }
        try? await group.shutdownGracefully()
        return listing
    }

    private mutating func merge(_ other: ContainerListing) {
        found.merge(other.found) { first, _ in first }
        rejected += other.rejected
        failures += other.failures
    }

    /// The configured apps with the listed containers as their instances, and each container by backend.
    public func apps(_ configured: [AppSpec]) -> (apps: [AppSpec], containers: [BackendID: ContainerObservation]) {
        var containers: [BackendID: ContainerObservation] = [:]
        let apps = configured.map { app in
            guard let list = found[app.name] else { return app }
            let (merged, listed) = app.adding(containers: list)
            containers.merge(listed) { first, _ in first }
            return merged
        }
        return (apps, containers)
    }
}
