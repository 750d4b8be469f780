/// The keys of `circuit_breaker:` (in an app or in `defaults:`).
enum CircuitKeys {
    static let failureThreshold = ConfigKey(
        "failure_threshold", .integer(1...1000), .value("5"), "consecutive failures: the circuit opens (alerts, container recovery); probes go on")
    static let recoveryTimeout = ConfigKey(
        "recovery_timeout", .duration(.milliseconds(100) ... .seconds(86_400)), .value("30s"),
        "open this long, probes back off from down_interval, doubling up to max_probe_interval")
    static let maxProbeInterval = ConfigKey(
        "max_probe_interval", .duration(.milliseconds(100) ... .seconds(3600)), .value("5s"),
        "the longest probe spacing: a returning backend is seen within this long (never below down_interval)")
    static let jitter = ConfigKey("jitter", .fraction(0...0.5), .value("0.1"), "backed-off probe spacings are spread by up to ± this fraction")
    static let flapWindow = ConfigKey(
        "flap_window", .duration(.zero ... .seconds(86_400)), .value("60s"), "ejected again within this long of a readmission: a flap")
    static let holdDown = ConfigKey(
        "hold_down", .duration(.zero ... .seconds(86_400)), .value("10s"), "after n flaps a backend must pass without a break for hold_down × 2^(n-1)")
    static let maxHoldDown = ConfigKey(
        "max_hold_down", .duration(.zero ... .seconds(86_400)), .value("2m"), "the longest hold-down; at least hold_down")

    /// Keys of the first health model, whose circuit stopped probes for a cooldown.
    static let retired = [
        "success_threshold":
            "readmission now takes health_check.success_threshold passes (and a hold_down for a backend that flaps); remove this key",
        "max_recovery_timeout":
            "an open circuit no longer stops probes; write max_probe_interval for the longest gap between probes of a backend that stays down",
        "half_open_timeout": "an open circuit no longer stops probes, so there is no half-open window to time out; remove this key",
    ]

    static let section = ConfigSection(
        "apps[].circuit_breaker", [failureThreshold, recoveryTimeout, maxProbeInterval, jitter, flapWindow, holdDown, maxHoldDown], retired: retired)
}
