import PicketPassive
/// Where the controller loop sends what it learns besides the log.
struct ControllerOutlets: Sendable {
    let docker: DockerShell?
    let metrics: PicketMetrics
    let persistence: Persistence?
    /// Why the state database could not be opened, when it could not.
    let persistenceFailure: String?
    let alerts: AlertDispatcher?
    /// nginx's access-log datagrams, folded per backend (passive detection), when configured.
    let passive: PassiveIngest?
}
