/// How one app's backends are health-checked: what to send, what counts as healthy, and how often.
///
/// Field names and defaults follow the seed documents (`failure_threshold` 3, `success_threshold` 1,
/// `max_retries` 0); the timing defaults are tighter than the seed's (5 s interval, 2 s timeout) because a
/// load-balancer check has to notice a dead backend within seconds, not minutes.
///
/// Three spacings, as HAProxy has `inter`, `fastinter` and `downinter`: `interval` while a backend is
/// steady, `fastInterval` while it is in transition (an up backend that just failed, a down one that
/// just passed) so thresholds are reached sooner without probing everything faster, and `downInterval`
/// while it is out (the circuit may back that off further, see `CircuitSpec`).
public struct HealthCheckSpec: Hashable, Sendable {
    public enum Kind: Hashable, Sendable {
        case http(HTTPCheck)
        case tcp(TCPCheck)
        case grpc(GRPCCheck)
    }

    public var kind: Kind
    /// Speak TLS to the backend: always for `https`, optional for `grpc` and `tcp`, never for `http`.
    public var tls: TLSSpec?
    public var enabled: Bool
    /// Probe this port instead of the instance's traffic port.
    public var port: Int?
    public var initialDelay: Duration
    public var interval: Duration
    /// Never longer than `interval` in effect (see `transitionInterval`).
    public var fastInterval: Duration
    /// nil: the same as `interval`.
    public var downInterval: Duration?
    public var timeout: Duration
    public var failureThreshold: Int
    public var successThreshold: Int
    public var maxRetries: Int
    /// A successful answer slower than this counts as a failure of class `slow`.
    public var maxResponseTime: Duration?
    /// Each interval is spread by up to `±jitter` of itself so checks do not fire in lockstep. 2 % by default:
    /// the first checks are already spread over a whole interval, and a steady backend keeps its
    /// cadence, so a small spread keeps them apart while the gap between checks stays within 1.04 s at
    /// a 1 s interval (5 % put it at 1.06 s).
    public var jitter: Double
    /// HTTP checks keep one keep-alive connection per backend instead of a fresh one per check: about
    /// half the CPU per check, but a backend that stops accepting new connections is only noticed when
    /// the connection is renewed. Off by default.
    public var reuseConnection: Bool
    /// A reused connection is replaced after this many checks, which bounds that blind spot (10 checks:
    /// 10 s at a 1 s interval). A server that closes the connection gets a fresh one at once.
    public var maxChecksPerConnection: Int

    public init(
        kind: Kind = .http(HTTPCheck()),
        tls: TLSSpec? = nil,
        enabled: Bool = true,
        port: Int? = nil,
        initialDelay: Duration = .zero,
        interval: Duration = .seconds(5),
        fastInterval: Duration = .milliseconds(250),
        downInterval: Duration? = nil,
        timeout: Duration = .seconds(2),
        failureThreshold: Int = 3,
        successThreshold: Int = 1,
        maxRetries: Int = 0,
        maxResponseTime: Duration? = nil,
        jitter: Double = 0.02,
        reuseConnection: Bool = false,
        maxChecksPerConnection: Int = 10
    ) {
        self.kind = kind
        self.tls = tls
        self.enabled = enabled
        self.port = port
        self.initialDelay = initialDelay
        self.interval = interval
        self.fastInterval = fastInterval
        self.downInterval = downInterval
        self.timeout = timeout
        self.failureThreshold = failureThreshold
        self.successThreshold = successThreshold
        self.maxRetries = maxRetries
        self.maxResponseTime = maxResponseTime
        self.jitter = jitter
        self.reuseConnection = reuseConnection
        self.maxChecksPerConnection = maxChecksPerConnection
    }

    /// The spacing while a backend is in transition: `fastInterval`, never more than `interval`.
    public var transitionInterval: Duration { min(fastInterval, interval) }

    /// The spacing while a backend is out of rotation, before any circuit backoff.
    public var outInterval: Duration { downInterval ?? interval }

    /// Where to probe an instance: its own address, or the same host on the check's `port`.
    public func target(for address: ServerAddress) -> ServerAddress {
        port.map { address.withPort($0) } ?? address
    }

    /// The check type as configs and labels name it.
    public var type: CheckType {
        switch kind {
        case .http: return tls == nil ? .http : .https
        case .tcp: return .tcp
        case .grpc: return .grpc
        }
    }

    /// One container's check: its labels' type, then their path, over the app's check.
    public func overridden(by overrides: ContainerLabels.CheckOverrides?) -> HealthCheckSpec {
        withType(overrides?.type).withHTTPPath(overrides?.path)
    }

    /// The same check as another type (a container's `picket.health.type`): what both types share
    /// (headers, TLS settings) carries over; `https` gets default TLS settings if it had none.
    public func withType(_ type: CheckType?) -> HealthCheckSpec {
        guard let type, type != self.type else { return self }
        var copy = self
        let headers: [HeaderField]
        switch kind {
        case .http(let http): headers = http.headers
        case .grpc(let grpc): headers = grpc.metadata
        case .tcp: headers = []
        }
        switch type {
        case .http, .https:
            if case .http = kind {} else { copy.kind = .http(HTTPCheck(headers: headers)) }
            copy.tls = type == .http ? nil : (tls ?? TLSSpec())
        case .tcp: copy.kind = .tcp(TCPCheck())
        case .grpc: copy.kind = .grpc(GRPCCheck(metadata: headers))
        }
        return copy
    }

    /// The same check with another HTTP path (a container's `picket.health.path`); TCP checks have none.
    public func withHTTPPath(_ path: String?) -> HealthCheckSpec {
        guard let path, case .http(var http) = kind else { return self }
        http.path = path
        var copy = self
        copy.kind = .http(http)
        return copy
    }
}

/// An HTTP check: one request (on a fresh connection unless `reuseConnection`), judged by status code
/// and, optionally, body.
public struct HTTPCheck: Hashable, Sendable {
    public var method: String
    public var path: String
    public var headers: [HeaderField]
    public var body: String?
    public var expectedStatus: StatusCodeSet
    /// The response body must contain this text.
    public var expectedBody: String?

    public init(
        method: String = "GET",
        path: String = "/",
        headers: [HeaderField] = [],
        body: String? = nil,
        expectedStatus: StatusCodeSet = .successOrRedirect,
        expectedBody: String? = nil
    ) {
        self.method = method
        self.path = path
        self.headers = headers
        self.body = body
        self.expectedStatus = expectedStatus
        self.expectedBody = expectedBody
    }

    /// A request path goes onto the request line as is: it must be absolute and hold no spaces or
    /// control characters.
    public static func isValidPath(_ path: String) -> Bool {
        path.hasPrefix("/") && path.unicodeScalars.allSatisfy { $0.value > 32 && $0.value < 127 }
    }
}

/// A TCP check: connect, optionally send `probeData` and require `expectedResponse` in the reply.
public struct TCPCheck: Hashable, Sendable {
    public var probeData: String?
    public var expectedResponse: String?

    public init(probeData: String? = nil, expectedResponse: String? = nil) {
        self.probeData = probeData
        self.expectedResponse = expectedResponse
    }
}

/// The check types of `health_check.type` and the `picket.health.type` label.
public enum CheckType: String, Hashable, Sendable, CaseIterable {
    case http, https, tcp, grpc

    /// Whether `health_check.tls` may be given (`https` always speaks TLS; `http` never does).
    public var allowsTLS: Bool { self != .http }
}

/// A gRPC check: `grpc.health.v1.Health/Check` for `service` ("" is the whole server); it passes only
/// on status OK with `SERVING`.
public struct GRPCCheck: Hashable, Sendable {
    public var service: String
    /// Sent with the call as gRPC metadata (the check's `headers`).
    public var metadata: [HeaderField]

    public init(service: String = "", metadata: [HeaderField] = []) {
        self.service = service
        self.metadata = metadata
    }
}

/// How a check speaks TLS. Files are paths, read by the probe adapter; the config loader checks that
/// they can be read.
public struct TLSSpec: Hashable, Sendable {
    /// Verify the certificate chain and name; false accepts any certificate (still reported).
    public var verify: Bool
    /// Trust this CA bundle (PEM) instead of the system's.
    public var caFile: String?
    /// The SNI name and the name verified; nil: the instance's host.
    public var serverName: String?
    /// A client certificate and key (PEM) for servers that require one (mTLS).
    public var clientCertificate: String?
    public var clientKey: String?
    /// Alert `tls_cert_expiring` when the backend's certificate has fewer days left than this.
    public var expiryWarningDays: Int

    public init(
        verify: Bool = true, caFile: String? = nil, serverName: String? = nil, clientCertificate: String? = nil, clientKey: String? = nil,
        expiryWarningDays: Int = 14
    ) {
        self.verify = verify
        self.caFile = caFile
        self.serverName = serverName
        self.clientCertificate = clientCertificate
        self.clientKey = clientKey
        self.expiryWarningDays = expiryWarningDays
    }
}

/// One request header of an HTTP check.
public struct HeaderField: Hashable, Sendable {
    public var name: String
    public var value: String

    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}

/// The status codes that count as healthy, as a list of inclusive ranges (`[200, "300-399"]`).
public struct StatusCodeSet: Hashable, Sendable, CustomStringConvertible {
    public var ranges: [ClosedRange<Int>]

    public init(_ ranges: [ClosedRange<Int>]) {
        self.ranges = ranges
    }

    /// 200–399, the usual meaning of "the app answered normally".
    public static let successOrRedirect = StatusCodeSet([200...399])

    public func contains(_ code: Int) -> Bool {
        ranges.contains { $0.contains(code) }
    }

    public var description: String {
        ranges.map { $0.lowerBound == $0.upperBound ? "\($0.lowerBound)" : "\($0.lowerBound)-\($0.upperBound)" }
            .joined(separator: ",")
    }
}
