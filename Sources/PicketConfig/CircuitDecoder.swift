import PicketCore
import Yams

/// Reads a `circuit_breaker:` mapping into a `CircuitSpec`.
struct CircuitDecoder {
    static let keys = [
        "failure_threshold", "recovery_timeout", "max_probe_interval", "jitter", "flap_window", "hold_down", "max_hold_down",
    ]
    /// Keys of the first health model, whose circuit stopped probes for a cooldown: each is refused with
    /// what to write instead, so an old config fails `picket validate` with a way forward.
    static let retired = [
        "success_threshold":
            "readmission now takes health_check.success_threshold passes (and a hold_down for a backend that flaps); remove this key",
        "max_recovery_timeout":
            "an open circuit no longer stops probes; write max_probe_interval for the longest gap between probes of a backend that stays down",
        "half_open_timeout": "an open circuit no longer stops probes, so there is no half-open window to time out; remove this key",
    ]

    let reader: NodeReader

    func decode(_ node: Node?, _ path: String) -> CircuitSpec {
        var spec = CircuitSpec()
        guard let section = reader.section(node, path, known: Self.keys, retired: Self.retired) else { return spec }
        if let value = reader.int(section["failure_threshold"], section.path("failure_threshold"), in: 1...1000) { spec.failureThreshold = value }
        if let value = reader.duration(section["recovery_timeout"], section.path("recovery_timeout"), minimum: .milliseconds(100)) {
            spec.recoveryTimeout = value
        }
        if let value = reader.duration(section["max_probe_interval"], section.path("max_probe_interval"), minimum: .milliseconds(100)) {
            spec.maxProbeInterval = value
        }
        if let value = reader.double(section["jitter"], section.path("jitter"), in: 0...0.5) { spec.jitter = value }
        if let value = reader.duration(section["flap_window"], section.path("flap_window")) { spec.flapWindow = value }
        if let value = reader.duration(section["hold_down"], section.path("hold_down")) { spec.holdDown = value }
        if let value = reader.duration(section["max_hold_down"], section.path("max_hold_down")) { spec.maxHoldDown = value }
        if spec.maxHoldDown < spec.holdDown {
            reader.report(section["max_hold_down"] ?? section.node, section.path("max_hold_down"),
                "must be at least hold_down (\(spec.holdDown.shortDescription))")
        }
        return spec
    }

    /// Backed-off probes must not come more often than the plain down interval.
    func checkProbeSpacing(_ spec: CircuitSpec, check: HealthCheckSpec, node: Node?, path: String) {
        if check.enabled, spec.maxProbeInterval < check.outInterval {
            reader.report(node, join(path, "max_probe_interval"),
                "must be at least health_check's down_interval (\(check.outInterval.shortDescription)): backoff only ever spaces probes further apart")
        }
    }
}
