import PicketPassive
/// Where the controller loop sends what it learns besides the log.
struct ControllerOutlets: Sendable {
    let docker: DockerShell?
    let metrics: PicketMetrics
    /// Set later when the database could not be opened at start and a retry opened it.
    var persistence: Persistence?
    /// Why the state database could not be opened, when it could not.
    var persistenceFailure: String?
    /// Alerts: a log line each, and webhooks when configured.
    let alerts: Alerting
    /// Followers of `GET /v1/events`.
    let events: EventHub
    /// nginx's access-log datagrams, folded per backend (passive detection), when configured.
    let passive: PassiveIngest?
    /// The Lua sync endpoint (nginx.mode: lua).
    let lua: LuaSync
    /// The fleet's database, leases and shared operator actions, with a PostgreSQL `state.url`.
    let fleet: FleetShell?
}
