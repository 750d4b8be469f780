import PicketCore

/// Drives a `Reconciler` through simulated time: the only fake in Picket's tests, and it fakes nothing
/// but the clock and the world's answers.
struct Harness {
    var core: Reconciler
    var now = Instant.zero
    /// Probes sent and not yet answered.
    var outstanding: [ProbeRequest] = []
    var applies: [ApplyPlan] = []
    var observations: [Observation] = []
    var probesSent: [ProbeRequest] = []
    /// What each address answers; addresses not listed pass.
    var answers: [String: ProbeOutcome] = [:]
    /// Answer applies automatically with this outcome (nil: leave them in flight).
    var applyOutcome: ApplyOutcome? = .applied

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
                pendingApplies.append(plan)
            case .record(let observation):
                observations.append(observation)
            }
        }
        if let applyOutcome {
            for _ in pendingApplies { absorb(core.applyFinished(applyOutcome, now: now)) }
        }
    }

    /// Answers every outstanding probe (after `latency`), repeatedly, until `until`.
    mutating func run(until end: Instant, latency: Duration = .milliseconds(1)) {
        while true {
            if !outstanding.isEmpty {
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

    mutating func run(for duration: Duration) {
        run(until: now + duration)
    }

    func phase(_ address: String, app: String = "web") -> BackendPhase? {
        core.backends.first { $0.id.address.description == address && $0.id.app.description == app }?.state.phase
    }

    var transitions: [BackendTransition] {
        observations.compactMap { if case .transition(let t) = $0 { return t } else { return nil } }
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
