import PicketCore
import Yams

/// Reads a `circuit_breaker:` mapping into a `CircuitSpec`.
struct CircuitDecoder {
    static let keys = ["failure_threshold", "success_threshold", "recovery_timeout", "max_recovery_timeout", "half_open_timeout", "jitter"]

    let reader: NodeReader

    func decode(_ node: Node?, _ path: String) -> CircuitSpec {
        var spec = CircuitSpec()
        guard let section = reader.section(node, path, known: Self.keys) else { return spec }
        if let value = reader.int(section["failure_threshold"], section.path("failure_threshold"), in: 1...1000) { spec.failureThreshold = value }
        if let value = reader.int(section["success_threshold"], section.path("success_threshold"), in: 1...100) { spec.successThreshold = value }
        if let value = reader.duration(section["recovery_timeout"], section.path("recovery_timeout"), minimum: .milliseconds(100)) {
            spec.recoveryTimeout = value
        }
        if let value = reader.duration(section["max_recovery_timeout"], section.path("max_recovery_timeout"), minimum: .milliseconds(100)) {
            spec.maxRecoveryTimeout = value
        }
        if let value = reader.duration(section["half_open_timeout"], section.path("half_open_timeout"), minimum: .milliseconds(100)) {
            spec.halfOpenTimeout = value
        }
        if let value = reader.double(section["jitter"], section.path("jitter"), in: 0...0.5) { spec.jitter = value }
        if spec.maxRecoveryTimeout < spec.recoveryTimeout {
            reader.report(section["max_recovery_timeout"] ?? section.node, section.path("max_recovery_timeout"),
                "must be at least recovery_timeout (\(spec.recoveryTimeout.shortDescription))")
        }
        return spec
    }

    /// A half-open circuit must have time for its passes, or it could never close.
    func checkHalfOpenWindow(_ spec: CircuitSpec, check: HealthCheckSpec, node: Node?, path: String) {
        let needed = check.interval * spec.successThreshold
        if check.enabled, spec.halfOpenTimeout < needed {
            reader.report(node, join(path, "half_open_timeout"),
                "must be at least interval × success_threshold (\(needed.shortDescription)), or a half-open circuit can never close")
        }
    }
}
