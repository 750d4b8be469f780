import PicketCore

/// The decision core alone, on a simulated clock: BACKENDS backends checked every second (defaults
/// otherwise, 5 % jitter), every probe answered 1 ms after it goes out, reports handed over on the
/// controller's 20 ms grid as the shell hands them. Reports the core's CPU per check. No sockets and no
/// sleeps, so the figure moves little on a loaded machine: the A/B measure for changes to the core.
struct CoreBench {
    let backends: Int
    let seconds: Int

    func run() throws {
        let addresses = try (0..<backends).map { try ServerAddress(validating: "127.77.\($0 / 250).\($0 % 250 + 1):10080") }
        let app = AppSpec(
            name: try AppName(validating: "bench"), instances: addresses.map { InstanceSpec(address: $0) },
            healthCheck: HealthCheckSpec(interval: .seconds(1), timeout: .milliseconds(500)), circuit: CircuitSpec())
        var core = Reconciler(seed: 42)
        var now = Instant.zero
        let grid = Duration.milliseconds(20)
        var outstanding = probes(in: core.configLoaded([app], settings: ControllerSettings(), now: now))
        print("core: \(backends) backends checked every second, \(seconds) simulated seconds after 3 s of warm-up...")
        var checks = 0
        var cpuStart = Resources.cpuTimes()
        let end = Instant.zero + .seconds(seconds + 3)
        while now < end {
            if now == .zero + .seconds(3) {
                checks = 0
                cpuStart = Resources.cpuTimes()
            }
            now = now + grid
            let answered = outstanding.map { $0.report(.passed(ProbeEvidence(statusCode: 200, latency: .milliseconds(1)))) }
            checks += answered.count
            var effects = core.probesCompleted(answered, now: now)
            if let due = core.nextDeadline, due <= now { effects += core.timerFired(now: now) }
            effects += applied(effects, core: &core, now: now)
            outstanding = probes(in: effects)
        }
        let cpu = Resources.cpuTimes()
        let (user, system) = (cpu.user - cpuStart.user, cpu.system - cpuStart.system)
        let perCheck = Double((user + system).nanoseconds) / 1000 / Double(max(checks, 1))
        print("  checks          \(checks) in \(seconds) simulated s = \(checks / max(seconds, 1))/s")
        print("  CPU             \(format(perCheck, 2)) µs per check (user \(format(Double(user.nanoseconds) / 1000 / Double(max(checks, 1)), 2)) µs)")
    }

    private func probes(in effects: [Effect]) -> [ProbeRequest] {
        effects.compactMap { if case .probe(let request) = $0 { request } else { nil } }
    }

    /// Applies succeed at once, as a quiet nginx would have them.
    private func applied(_ effects: [Effect], core: inout Reconciler, now: Instant) -> [Effect] {
        effects.contains { if case .apply = $0 { true } else { false } } ? core.applyFinished(.applied, now: now) : []
    }
}
