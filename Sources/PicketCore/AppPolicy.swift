/// How one app's backends are checked and judged: built once per app at each sync and shared by the
/// app's records, so that thousands of backends hold four references rather than four copies.
struct AppPolicy {
    let check: Shared<HealthCheckSpec>
    let circuit: Shared<CircuitSpec>
    let passive: Shared<PassiveSpec>
    let slowStart: Duration?

    init(_ app: AppSpec) {
        check = Shared(app.healthCheck)
        circuit = Shared(app.circuit)
        passive = Shared(app.passive)
        slowStart = app.rampDuration
    }

    private init(check: Shared<HealthCheckSpec>, of policy: AppPolicy) {
        self.check = check
        circuit = policy.circuit
        passive = policy.passive
        slowStart = policy.slowStart
    }

    /// The policy for one container: its labels' check over the app's. Containers whose labels change
    /// nothing keep sharing the app's check.
    func overridden(by overrides: ContainerLabels.CheckOverrides?) -> AppPolicy {
        guard let overrides, overrides != ContainerLabels.CheckOverrides() else { return self }
        let check = check.value.overridden(by: overrides)
        return check == self.check.value ? self : AppPolicy(check: Shared(check), of: self)
    }
}
