/// The keys of the top-level `docker:` section, of an app's `docker:` and of its `recovery:`.
enum DockerKeys {
    static let socket = ConfigKey("socket", .path, .derived("DOCKER_HOST if set, else /var/run/docker.sock"), "the engine's unix socket (or give host)")
    static let host = ConfigKey(
        "host", .text, .derived("DOCKER_HOST if set, else unix:///var/run/docker.sock"),
        "unix:///path or tcp://HOST:PORT (2376 if no port; TLS with client certificates, see docker.tls)")
    static let tls = ConfigKey(
        "tls", .path, .derived("DOCKER_CERT_PATH if set, else ~/.docker with DOCKER_TLS_VERIFY"),
        "a directory with ca.pem, cert.pem and key.pem (Docker's layout) for a tcp:// engine started with --tlsverify")
    static let callTimeout = ConfigKey(
        "call_timeout", .duration(.milliseconds(100) ... .seconds(600)), .value("10s"), "each API call (a restart gets its stop timeout on top)")
    static let resyncInterval = ConfigKey(
        "resync_interval", .duration(.seconds(1) ... .seconds(86_400)), .value("10s"), "a full listing this often; events only make it sooner")

    static let firstListingWait = ConfigKey(
        "first_listing_wait", .duration(.zero ... .seconds(600)), .value("10s"),
        "on start, the first round waits this long for Docker's first listing; then static apps go on without it")

    static let engines = ConfigKey(
        "engines", .sections(DockerKeys.namedEngine), .none, "further engines (other hosts), each with its own circuit breaker; apps pick one with docker.engine")

    static let engine = ConfigSection(
        "docker", [host, socket, tls, callTimeout, resyncInterval, firstListingWait, engines], exclusive: [[host.name, socket.name]])

    static let engineName = ConfigKey("name", .text, .required, "what apps write in docker.engine: letters, digits, _ - . (not 'default')")
    static let engineHost = ConfigKey("host", .text, .required, "unix:///path or tcp://HOST:PORT (2376 if no port)")
    static let engineTLS = ConfigKey("tls", .path, .derived("required for tcp://"), "a directory with ca.pem, cert.pem and key.pem (Docker's layout)")

    static let namedEngine = ConfigSection("docker.engines[]", [engineName, engineHost, engineTLS])

    static let appEngine = ConfigKey("engine", .text, .value("default"), "the engine the containers run on: default (docker.host) or a name from docker.engines")

    static let selector = ConfigKey("selector", .mapping, .derived("{picket.app: NAME}"), "labels a container must carry, every one")
    static let port = ConfigKey("port", .integer(1...65_535), .none, "the traffic port; a container's picket.port label overrides it")
    static let network = ConfigKey("network", .text, .value("host"), "host: 127.0.0.1:PORT; or a network name: the container's address on it")

    static let source = ConfigSection("apps[].docker", [selector, port, network, appEngine])

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

