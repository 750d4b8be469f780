import PicketCore
import Testing

/// Drives a `Reconciler` through simulated time: the only fake in Picket's tests, and it fakes nothing
/// but the clock and the world's answers.
struct Harness {
    var core: Reconciler
    var now = Instant.zero
    /// Probes sent and not yet answered.
    var outstanding: [ProbeRequest] = []
    var applies: [ApplyPlan] = []
    var applyTimes: [Instant] = []
    var observations: [Observation] = []
    var probesSent: [ProbeRequest] = []
    /// What each address answers; addresses not listed pass.
    var answers: [String: ProbeOutcome] = [:]
    /// Docker actions asked for, and those not yet finished.
    var dockerCommands: [DockerCommand] = []
    var dockerCommandTimes: [Instant] = []
    var pendingCommands: [DockerCommand] = []
    /// Answer applies automatically with this outcome (nil: leave them in flight)…
    var applyOutcome: ApplyOutcome? = .applied
    /// …or with what this says of each plan.
    var judge: ((ApplyPlan) -> ApplyOutcome)?

    init(apps: [AppSpec], settings: ControllerSettings = ControllerSettings(), seed: UInt64 = 7) {
        core = Reconciler(settings: settings, seed: seed)
        absorb(core.configLoaded(apps, settings: settings, now: now))
    }

    mutating func reload(_ apps: [AppSpec]) {
        absorb(core.configLoaded(apps, settings: core.settings, now: now))
    }

    mutating func absorb(_ effects: [Effect]) {
        var pendingApplies: [ApplyPlan] = []
        for effect in effects {
            switch effect {
            case .probe(let request):
                outstanding.append(request)
                probesSent.append(request)
            case .apply(let plan):
                applies.append(plan)
                applyTimes.append(now)
                pendingApplies.append(plan)
            case .docker(let command):
                dockerCommands.append(command)
                dockerCommandTimes.append(now)
                pendingCommands.append(command)
            case .record(let observation):
                observations.append(observation)
            }
        }
        for plan in pendingApplies {
            guard let outcome = judge?(plan) ?? applyOutcome else { continue }
            absorb(core.applyFinished(outcome, now: now))
        }
    }

    /// Answers every outstanding probe (after `latency`), repeatedly, until `until`.
    mutating func run(until end: Instant, latency: Duration = .milliseconds(1)) {
        while true {
            if !outstanding.isEmpty {
                if let deadline = core.nextDeadline, deadline < now + latency, deadline <= end {
                    now = max(now, deadline)
                    absorb(core.timerFired(now: now))
                    continue
                }
                guard now + latency <= end else { break }
                let batch = outstanding
                outstanding = []
                now = now + latency
                for request in batch {
                    let outcome = answers[request.target.description] ?? .passed(ProbeEvidence(statusCode: 200, latency: latency))
                    absorb(core.probeCompleted(request.report(outcome), now: now))
                }
                continue
            }
            guard let deadline = core.nextDeadline, deadline <= end else { break }
            now = max(now, deadline)
            absorb(core.timerFired(now: now))
        }
        now = max(now, end)
    }

    /// Fires the next timer and leaves the probes it sends unanswered.
    mutating func fireNextTimer() {
        guard let deadline = core.nextDeadline else { return }
        now = max(now, deadline)
        absorb(core.timerFired(now: now))
    }

    /// Docker lists these containers for `app`, now.
    mutating func list(_ containers: [ContainerObservation], app: String = "web") {
        absorb(core.containersListed([try! AppName(validating: app): containers], listedAt: now, now: now))
    }

    /// The oldest pending Docker action ends with `result`.
    mutating func finishAction(_ result: DockerActionResult = .succeeded(newContainerID: nil)) {
        guard !pendingCommands.isEmpty else {
            Issue.record("no Docker action is pending")
            return
        }
        let command = pendingCommands.removeFirst()
        absorb(core.dockerActionFinished(command, result: result, now: now))
    }

    var recoveryEvents: [RecoveryEvent] {
        observations.compactMap { if case .recovery(let event) = $0 { return event } else { return nil } }
    }

    func recovery(_ address: String, app: String = "web") -> RecoveryPhase? {
        core.backends.first { $0.id.address.description == address && $0.id.app.description == app }?.recovery.phase
    }

    func desiredServing(app: String = "web") -> [String] {
        core.desiredUpstreams.servingAddresses[try! AppName(validating: app)]?.map(\.description) ?? []
    }

    mutating func run(for duration: Duration) {
        run(until: now + duration)
    }

    func phase(_ address: String, app: String = "web") -> BackendPhase? {
        core.backends.first { $0.id.address.description == address && $0.id.app.description == app }?.state.phase
    }

    var transitions: [BackendTransition] {
        observations.compactMap { if case .transition(let t) = $0 { return t } else { return nil } }
    }

    var rotationChanges: [RotationChange] {
        observations.compactMap { if case .rotation(let change) = $0 { return change } else { return nil } }
    }

    /// The backends in rotation as the rotation observations tell it, replayed from the start.
    var rotationFromObservations: Set<String> {
        var serving: Set<String> = []
        for change in rotationChanges {
            if change.inRotation { serving.insert(change.backend.address.description) } else { serving.remove(change.backend.address.description) }
        }
        return serving
    }

    var lastServing: [String] {
        (applies.last?.upstreams.upstreams.first?.servers.filter { !$0.down }.map(\.address.description)) ?? []
    }
}

func address(_ text: String) -> ServerAddress {
    try! ServerAddress(validating: text)
}

func app(
    _ addresses: [String], name: String = "web", check: HealthCheckSpec = HealthCheckSpec(interval: .seconds(1), timeout: .milliseconds(500), jitter: 0),
    circuit: CircuitSpec = CircuitSpec(jitter: 0), balance: Balance = .roundRobin, whenAllDown: AllDownPolicy = .failOpen, drained: Set<String> = []
) -> AppSpec {
    AppSpec(
        name: try! AppName(validating: name),
        instances: addresses.map { InstanceSpec(address: address($0), drain: drained.contains($0)) },
        healthCheck: check, circuit: circuit, balance: balance, whenAllDown: whenAllDown)
}

let refused = ProbeOutcome.failed(.refused, ProbeEvidence(message: "connection refused"))
let timedOut = ProbeOutcome.failed(.timeout, ProbeEvidence(latency: .milliseconds(500), message: "no answer in 500ms"))

/// A Docker-backed app with no static instances.
func dockerApp(name: String = "web", recovery: RecoveryPolicy, check: HealthCheckSpec = HealthCheckSpec(interval: .seconds(1), timeout: .milliseconds(500), jitter: 0)) -> AppSpec {
    AppSpec(
        name: try! AppName(validating: name), instances: [], healthCheck: check, circuit: CircuitSpec(jitter: 0),
        docker: DockerSource(selector: ["picket.app": name], port: 8080), recovery: recovery)
}

func container(_ addressText: String, id: String? = nil, state: ContainerObservation.RunState = .running, health: ContainerObservation.Health? = nil) -> ContainerObservation {
    let port = addressText.split(separator: ":").last!
    return ContainerObservation(
        id: id ?? "c\(port)", name: "web-\(port)", instance: InstanceSpec(address: address(addressText)), state: state, health: health)
}

func removed(_ addressText: String, _ reason: RotationReason, app name: String = "web") -> UpstreamChange {
    UpstreamChange(app: try! AppName(validating: name), address: address(addressText), direction: .removed, reason: .rotation(reason))
}

func added(_ addressText: String, _ reason: RotationReason, app name: String = "web") -> UpstreamChange {
    UpstreamChange(app: try! AppName(validating: name), address: address(addressText), direction: .added, reason: .rotation(reason))
}

extension RecoveryPhase {
    /// The phase's case, for tests that do not care about its payload.
    var label: String {
        switch self {
        case .idle: return "idle"
        case .draining: return "draining"
        case .acting(let action, _, _, _): return action == .restart ? "restarting" : "recreating"
        case .verifying: return "verifying"
        case .quarantined: return "quarantined"
        }
    }
}
