/// The keys of the top-level `docker:` section, of an app's `docker:` and of its `recovery:`.
enum DockerKeys {
    static let socket = ConfigKey("socket", .path, .derived("DOCKER_HOST=unix://… if set, else /var/run/docker.sock"), "the engine's unix socket")
    static let callTimeout = ConfigKey(
        "call_timeout", .duration(.milliseconds(100) ... .seconds(600)), .value("10s"), "each API call (a restart gets its stop timeout on top)")
    static let resyncInterval = ConfigKey(
        "resync_interval", .duration(.seconds(1) ... .seconds(86_400)), .value("10s"), "a full listing this often; events only make it sooner")

    static let firstListingWait = ConfigKey(
        "first_listing_wait", .duration(.zero ... .seconds(600)), .value("10s"),
        "on start, the first round waits this long for Docker's first listing; then static apps go on without it")

    static let engine = ConfigSection("docker", [socket, callTimeout, resyncInterval, firstListingWait])

    static let selector = ConfigKey("selector", .mapping, .derived("{picket.app: NAME}"), "labels a container must carry, every one")
    static let port = ConfigKey("port", .integer(1...65_535), .none, "the traffic port; a container's picket.port label overrides it")
    static let network = ConfigKey("network", .text, .value("host"), "host: 127.0.0.1:PORT; or a network name: the container's address on it")

    static let source = ConfigSection("apps[].docker", [selector, port, network])

    static let enabled = ConfigKey("enabled", .boolean, .value("true"), "heal failing containers")
    static let afterOpen = ConfigKey("after_open", .duration(.zero ... .seconds(86_400)), .value("0s"), "act once the circuit has been open this long")
    static let afterFailures = ConfigKey("after_failures", .integer(1...1000), .none, "or after this many failed checks in a row")
    static let drainTimeout = ConfigKey(
        "drain_timeout", .duration(.zero ... .seconds(3600)), .value("5s"), "out of nginx this long before a serving container is touched")
    static let stopTimeout = ConfigKey(
        "stop_timeout", .wholeSeconds(.seconds(1) ... .seconds(3600)), .value("10s"), "Docker's t: before a stop turns into a kill")
    static let maxRestarts = ConfigKey("max_restarts", .integer(0...100), .value("3"), "restarts per restart_window")
    static let restartWindow = ConfigKey("restart_window", .duration(.seconds(1) ... .seconds(604_800)), .value("10m"), "the window max_restarts counts in")
    static let backoff = ConfigKey("backoff", .section(DockerKeys.backoffSection), .none, "spacing of the attempts of one episode")
    static let recreate = ConfigKey("recreate", .boolean, .value("true"), "when restarts are spent, recreate once before quarantine")
    static let maxInFlight = ConfigKey("max_in_flight", .integer(1...1000), .value("1"), "containers of the app being recovered at once")

    static let recovery = ConfigSection("apps[].recovery", [
        enabled, afterOpen, afterFailures, drainTimeout, stopTimeout, maxRestarts, restartWindow, backoff, recreate, maxInFlight,
    ])

    static let initial = ConfigKey("initial", .duration(.milliseconds(100) ... .seconds(3600)), .value("5s"), "the first wait")
    static let max = ConfigKey("max", .duration(.milliseconds(100) ... .seconds(86_400)), .value("2m"), "the longest wait; at least initial")
    static let jitter = ConfigKey("jitter", .fraction(0...0.5), .value("0.2"), "waits are spread by up to ± this fraction")

    static let backoffSection = ConfigSection("apps[].recovery.backoff", [initial, max, jitter])
}
