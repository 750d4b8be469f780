import PicketCore

/// The keys of an entry of `apps:`; those an app may take from `defaults:` are `shared`.
enum AppKeys {
    static let name = ConfigKey("name", .text, .required, "the nginx upstream name: letters, digits, _ - .")
    static let instances = ConfigKey(
        "instances", .sections(InstanceKeys.section), .derived("required without docker"),
        "each a plain address (host:port, [v6]:port, unix:/path) or {address, weight, backup, drain}")
    static let docker = ConfigKey("docker", .section(DockerKeys.source), .none, "take instances from containers with these labels")
    static let nginx = ConfigKey("nginx", .section(AppNginxKeys.section), .none, "where nginx balances the app")
    static let healthCheck = ConfigKey("health_check", .section(HealthCheckKeys.section), .none, "how backends are checked")
    static let circuitBreaker = ConfigKey("circuit_breaker", .section(CircuitKeys.section), .none, "what happens to a backend that keeps failing")
    static let balance = ConfigKey(
        "balance", .text, .value("round_robin"),
        "round_robin | least_conn | ip_hash | \"hash KEY [consistent]\" | random | \"random two least_conn\" (no ip_hash in stream)")
    static let keepalive = ConfigKey("keepalive", .integer(1...10_000), .none, "nginx keepalive connections to the upstream (http apps only)")
    static let maxFails = ConfigKey("max_fails", .integer(0...1000), .value("1"), "nginx's own passive check, written on each server")
    static let failTimeout = ConfigKey("fail_timeout", .wholeSeconds(.seconds(1) ... .seconds(86_400)), .value("10s"), "nginx's fail_timeout on each server")
    static let whenAllDown = ConfigKey(
        "when_all_down", .choice(AllDownPolicy.allCases.map(\.rawValue)), .value("fail_open"),
        "fail_open keeps every instance when none is fit; fail_closed marks them all down")
    static let recovery = ConfigKey("recovery", .section(DockerKeys.recovery), .none, "how a failing container is healed (needs docker:)")
    static let slowStart = ConfigKey(
        "slow_start", .duration(.seconds(1) ... .seconds(3600)), .none, "a rejoining server ramps up to its weight in 4 steps (not with ip_hash or hash)")

    static let passive = ConfigKey("passive", .section(PassiveKeys.section), .none, "when real users' failed requests eject a backend")

    /// What `defaults:` may set for every app.
    static let shared = [healthCheck, circuitBreaker, balance, keepalive, maxFails, failTimeout, whenAllDown, recovery, slowStart, passive]

    static let section = ConfigSection("apps[]", [name, instances, docker, nginx] + shared)
    static let defaults = ConfigSection("defaults", shared)
}

/// The keys of an app's `nginx:`.
enum AppNginxKeys {
    static let context = ConfigKey(
        "context", .choice(NginxContext.allCases.map(\.rawValue)), .value("http"),
        "http: an upstream in nginx.output; stream: a TCP/UDP upstream in nginx.stream_output (TCP checks only)")

    static let section = ConfigSection("apps[].nginx", [context])
}

/// The keys of an instance written as a mapping.
enum InstanceKeys {
    static let address = ConfigKey("address", .address, .required, "host:port, [v6]:port or unix:/path")
    static let weight = ConfigKey("weight", .integer(1...1000), .value("1"), "nginx's server weight")
    static let backup = ConfigKey("backup", .boolean, .value("false"), "a backup server (not with ip_hash or hash)")
    static let drain = ConfigKey("drain", .boolean, .value("false"), "out of rotation, still checked (applied on SIGHUP)")

    static let section = ConfigSection("apps[].instances[]", [address, weight, backup, drain], shorthand: address)
}
