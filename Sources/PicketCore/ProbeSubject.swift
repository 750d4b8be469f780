/// What every probe of one backend is about: the backend, where to connect, and its app's check. It
/// changes only with the config, so the core makes it once per backend and each request holds it by
/// reference: a request travels through half a dozen copies on its way to a socket, and each costs one
/// retain rather than one for each of the ID's strings, the target's and the check's box. A check with
/// its own `port` has its target worked out once, not formatted and parsed again for every probe.
public final class ProbeSubject: Hashable, Sendable {
    public let backend: BackendID
    /// Where to connect: the instance address, or the check's port override.
    public let target: ServerAddress
    /// The check, shared with the backend's record and the app's other backends.
    public let sharedCheck: Shared<HealthCheckSpec>
    /// What a probe writes first on a plain connection: an HTTP check's request (`Host` is the target),
    /// a TCP check's probe data; empty for a gRPC check. The same for every probe until the config
    /// changes, so made here once rather than on every probe.
    public let requestBytes: [UInt8]

    public init(backend: BackendID, target: ServerAddress, sharedCheck: Shared<HealthCheckSpec>) {
        self.backend = backend
        self.target = target
        self.sharedCheck = sharedCheck
        switch sharedCheck.value.kind {
        case .http(let http):
            let host = if case .unix = target.kind { "localhost" } else { target.description }
            requestBytes = HTTPRequestBytes.make(http, host: host)
        case .tcp(let tcp): requestBytes = Array((tcp.probeData ?? "").utf8)
        case .grpc: requestBytes = []
        }
    }

    public static func == (lhs: ProbeSubject, rhs: ProbeSubject) -> Bool {
        lhs === rhs || (lhs.backend == rhs.backend && lhs.target == rhs.target && lhs.sharedCheck == rhs.sharedCheck)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(backend)
        hasher.combine(target)
        hasher.combine(sharedCheck)
    }
}
