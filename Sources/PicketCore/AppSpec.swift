/// One app as declared by the operator: a named nginx upstream, its instances, and how to judge them.
public struct AppSpec: Hashable, Sendable {
    public var name: AppName
    public var instances: [InstanceSpec]
    public var healthCheck: HealthCheckSpec
    public var circuit: CircuitSpec
    public var balance: Balance
    /// nginx `keepalive N` for the upstream's idle connection cache; nil leaves it out.
    public var keepalive: Int?
    /// nginx passive-check defaults written on every server line.
    public var maxFails: Int
    public var failTimeout: Duration
    public var whenAllDown: AllDownPolicy
    /// Containers found in Docker become instances too; nil: static instances only.
    public var docker: DockerSource?
    /// How containers that keep failing are healed; used only with `docker`.
    public var recovery: RecoveryPolicy
    /// A server that rejoins rotation ramps up to its weight over this long, in `SlowStart.steps` steps
    /// (open-source nginx has no `slow_start`); nil: it takes its full weight at once. Ignored with
    /// `ip_hash` and `hash`, where weights do not spread load evenly.
    public var slowStart: Duration?
    /// Ejection by real users' failed requests, from nginx's access log (see `PassiveSpec`).
    public var passive: PassiveSpec
    /// Where nginx balances it: `http {}` (proxy_pass, grpc_pass) or `stream {}` (TCP/UDP at layer 4).
    public var context: NginxContext

    public init(
        name: AppName,
        instances: [InstanceSpec],
        healthCheck: HealthCheckSpec = HealthCheckSpec(),
        circuit: CircuitSpec = CircuitSpec(),
        balance: Balance = .roundRobin,
        keepalive: Int? = nil,
        maxFails: Int = 1,
        failTimeout: Duration = .seconds(10),
        whenAllDown: AllDownPolicy = .failOpen,
        docker: DockerSource? = nil,
        recovery: RecoveryPolicy = RecoveryPolicy(),
        slowStart: Duration? = nil,
        passive: PassiveSpec = PassiveSpec(),
        context: NginxContext = .http
    ) {
        self.name = name
        self.instances = instances
        self.healthCheck = healthCheck
        self.circuit = circuit
        self.balance = balance
        self.keepalive = keepalive
        self.maxFails = maxFails
        self.failTimeout = failTimeout
        self.whenAllDown = whenAllDown
        self.docker = docker
        self.recovery = recovery
        self.slowStart = slowStart
        self.passive = passive
        self.context = context
    }
}

/// One instance of an app: where it listens and how nginx should weigh it.
public struct InstanceSpec: Hashable, Sendable {
    public var address: ServerAddress
    public var weight: Int
    public var backup: Bool
    /// Set by the operator to take the instance out of rotation gracefully (nginx finishes in-flight
    /// requests on reload); it keeps being checked so its health is known when it returns.
    public var drain: Bool

    public init(address: ServerAddress, weight: Int = 1, backup: Bool = false, drain: Bool = false) {
        self.address = address
        self.weight = weight
        self.backup = backup
        self.drain = drain
    }
}

/// The nginx load-balancing method of an upstream.
public enum Balance: Hashable, Sendable, CustomStringConvertible {
    case roundRobin
    case leastConn
    case ipHash
    case hash(key: HashKey, consistent: Bool)
    /// `random`, or `random two least_conn`: pick two at random and take the less loaded.
    case random(twoLeastConn: Bool)

    /// Hash-based methods map clients to servers by position, so servers out of rotation are kept in the
    /// file marked `down` instead of being removed (nginx documents this for `ip_hash`).
    public var keepsPositions: Bool {
        switch self {
        case .ipHash, .hash: return true
        case .roundRobin, .leastConn, .random: return false
        }
    }

    /// nginx's stream module knows every method but `ip_hash` (there, `hash $remote_addr` does its job).
    public var worksInStream: Bool {
        if case .ipHash = self { return false }
        return true
    }

    public var description: String {
        switch self {
        case .roundRobin: return "round_robin"
        case .leastConn: return "least_conn"
        case .ipHash: return "ip_hash"
        case .hash(let key, let consistent): return "hash \(key)" + (consistent ? " consistent" : "")
        case .random(let twoLeastConn): return twoLeastConn ? "random two least_conn" : "random"
        }
    }
}

/// The key of `hash KEY`: an nginx variable expression such as `$request_uri` or `$cookie_user$uri`.
public struct HashKey: Hashable, Sendable, CustomStringConvertible {
    public let description: String

    public init(validating text: String) throws(NameError) {
        guard !text.isEmpty, text.count <= 128,
            text.unicodeScalars.allSatisfy({ $0.isASCIIAlphanumeric || "$_-.:/".unicodeScalars.contains($0) })
        else {
            throw NameError(text: text, reason: "a hash key may only hold letters, digits and $ _ - . : /")
        }
        description = text
    }
}

/// What to render when no backend of an app is fit for traffic. nginx rejects an upstream with no
/// servers, so an empty block is never an option.
public enum AllDownPolicy: String, Hashable, Sendable, CaseIterable {
    /// Keep every non-drained instance and let nginx's passive checks (`max_fails`) pick what works:
    /// better a degraded service than a certain outage when the checks themselves may be wrong.
    case failOpen = "fail_open"
    /// Keep the servers but mark them `down`: nginx answers 502 at once instead of waiting on dead
    /// backends.
    case failClosed = "fail_closed"
}
