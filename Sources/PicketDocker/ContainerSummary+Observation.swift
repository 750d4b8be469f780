import PicketCore

extension ContainerSummary {
    /// This container as an instance of an app, nil when it has no address on the app's network (not
    /// running on a named network), or a label error naming the bad label.
    public func observation(for source: DockerSource) -> Result<ContainerObservation, LabelError>? {
        let host: String
        switch source.addressing {
        case .host:
            host = "127.0.0.1"
        case .network(let name):
            guard let ip = networks[name]?.ipAddress, !ip.isEmpty else { return nil }
            host = ip
        }
        guard let runState = ContainerObservation.RunState(rawValue: state) else { return nil }
        return ContainerLabels.instance(labels: labels ?? [:], host: host, source: source).map { instance, overrides in
            ContainerObservation(id: id, name: name, instance: instance, checkOverrides: overrides, state: runState, health: health)
        }
    }

    /// Docker's HEALTHCHECK verdict as `docker ps` shows it in the status text.
    var health: ContainerObservation.Health? {
        if status.contains("(unhealthy)") { return .unhealthy }
        if status.contains("(healthy)") { return .healthy }
        if status.contains("(health: starting)") { return .starting }
        return nil
    }
}
