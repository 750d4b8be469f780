extension AppSpec {
    /// The app with a Docker listing's containers as instances after the configured ones, and each
    /// container by its backend. Running containers come first (then by name), so when two share an
    /// address the running one is the backend; a container at a configured address is left out.
    public func adding(containers list: [ContainerObservation]) -> (app: AppSpec, containers: [BackendID: ContainerObservation]) {
        var app = self
        var containers: [BackendID: ContainerObservation] = [:]
        var taken = Set(app.instances.map(\.address))
        let ordered = list.sorted { ($0.state == .running ? 0 : 1, $0.name, $0.id) < ($1.state == .running ? 0 : 1, $1.name, $1.id) }
        for container in ordered where taken.insert(container.instance.address).inserted {
            app.instances.append(container.instance)
            containers[BackendID(app: name, address: container.instance.address)] = container
        }
        return (app, containers)
    }
}
