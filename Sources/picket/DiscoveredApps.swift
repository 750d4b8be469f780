import ArgumentParser
import PicketCore
import PicketRuntime

/// Whether a one-shot command asks Docker for the containers of Docker-backed apps.
struct DockerOption: ParsableArguments {
    @Flag(help: "Leave Docker out: only the instances written in the config.")
    var noDocker = false
}

/// The apps a one-shot command (`render`, `check`) works on: the config's instances plus the containers
/// Docker lists right now, as the running controller would see them. A listing that fails or a
/// container whose labels are refused is said on standard error; the command goes on without them.
struct DiscoveredApps {
    let apps: [AppSpec]
    let containers: [BackendID: ContainerObservation]

    static func load(_ setup: RuntimeSetup, docker: DockerOption) async -> DiscoveredApps {
        guard !docker.noDocker else { return DiscoveredApps(apps: setup.configuration.apps, containers: [:]) }
        let listing = await ContainerListing.once(setup)
        for (app, error) in listing.failures {
            printError("warning: containers of \(app) not listed: \(error); going on without them")
        }
        for rejected in listing.rejected {
            printError("warning: container \(rejected.name) of app \(rejected.app) ignored: \(rejected.error)")
        }
        let (apps, containers) = listing.apps(setup.configuration.apps)
        return DiscoveredApps(apps: apps, containers: containers)
    }

    /// Taken as healthy without a check: not drained, and its container (if any) running and not
    /// reported unhealthy by Docker's own HEALTHCHECK.
    func assumedHealthy(_ id: BackendID, _ instance: InstanceSpec) -> Bool {
        guard !instance.drain else { return false }
        guard let container = containers[id] else { return true }
        return container.state == .running && container.health != .unhealthy
    }
}
