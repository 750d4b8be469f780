/// Where the controller loop sends what it learns besides the log.
struct ControllerOutlets: Sendable {
    let docker: DockerShell?
    let metrics: PicketMetrics
    let persistence: Persistence?
    let alerts: AlertDispatcher?
}
