import PicketCore
import Yams

/// Reads a `circuit_breaker:` mapping into a `CircuitSpec`.
struct CircuitDecoder {
    let reader: NodeReader

    func decode(_ node: Node?, _ path: String) -> CircuitSpec {
        var spec = CircuitSpec()
        guard let section = reader.section(node, path, CircuitKeys.section) else { return spec }
        if let value = reader.int(section, CircuitKeys.failureThreshold) { spec.failureThreshold = value }
        if let value = reader.duration(section, CircuitKeys.recoveryTimeout) { spec.recoveryTimeout = value }
        if let value = reader.duration(section, CircuitKeys.maxProbeInterval) { spec.maxProbeInterval = value }
        if let value = reader.double(section, CircuitKeys.jitter) { spec.jitter = value }
        if let value = reader.duration(section, CircuitKeys.flapWindow) { spec.flapWindow = value }
        if let value = reader.duration(section, CircuitKeys.holdDown) { spec.holdDown = value }
        if let value = reader.duration(section, CircuitKeys.maxHoldDown) { spec.maxHoldDown = value }
        if spec.maxHoldDown < spec.holdDown {
            reader.report(section[CircuitKeys.maxHoldDown] ?? section.node, section.path("max_hold_down"),
                "must be at least hold_down (\(spec.holdDown.shortDescription))")
        }
        return spec
    }
}
