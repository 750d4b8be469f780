/// How Picket reaches the Docker engine, for apps that discover containers.
public struct DockerSettings: Hashable, Sendable {
    public static let defaultSocket = "/var/run/docker.sock"

    /// Where the engine listens; nil: `DOCKER_HOST` if set, else `defaultSocket`.
    public var host: DockerHost?
    /// TLS for a `tcp://` engine; nil: Docker's `DOCKER_TLS_VERIFY` / `DOCKER_CERT_PATH` convention.
    public var tls: DockerTLS?
    /// Each API call must answer within this (a restart also gets its stop timeout on top).
    public var callTimeout: Duration
    /// A full listing this often, whatever the event stream says (level-triggered discovery).
    public var resyncInterval: Duration
    /// Further engines, by name, that apps name in `docker.engine` (containers on other hosts).
    public var engines: [DockerEngineName: DockerEngine]

    public init(
        host: DockerHost? = nil, tls: DockerTLS? = nil, callTimeout: Duration = .seconds(10), resyncInterval: Duration = .seconds(10),
        engines: [DockerEngineName: DockerEngine] = [:]
    ) {
        self.host = host
        self.tls = tls
        self.callTimeout = callTimeout
        self.resyncInterval = resyncInterval
        self.engines = engines
    }

    /// The engines `apps` use, by name: the default one resolved from the environment only when an
    /// app uses it.
    public func engines(for apps: [AppSpec], environment: [String: String]) -> Result<[DockerEngineName: DockerEngine], DockerHostError> {
        var used: [DockerEngineName: DockerEngine] = [:]
        for name in Set(apps.compactMap { $0.docker?.engine }) {
            if name == .default {
                switch engine(environment: environment) {
                case .success(let engine): used[name] = engine
                case .failure(let error): return .failure(error)
                }
            } else if let engine = engines[name] {
                used[name] = engine
            }
        }
        return .success(used)
    }

    /// The engine to speak to given the environment, as the docker CLI reads it: `DOCKER_HOST`, and for
    /// a `tcp://` host the certificates in `DOCKER_CERT_PATH` (default `~/.docker`) when
    /// `DOCKER_TLS_VERIFY` or `DOCKER_CERT_PATH` is set. What is configured wins over the environment.
    /// A `tcp://` engine without TLS is refused: that port gives root on its host to whoever reaches it.
    public func engine(environment: [String: String]) -> Result<DockerEngine, DockerHostError> {
        let host: DockerHost
        if let configured = self.host {
            host = configured
        } else if let text = environment["DOCKER_HOST"], !text.isEmpty {
            do {
                host = try DockerHost(parsing: text)
            } catch {
                return .failure(DockerHostError(value: "DOCKER_HOST=\(text)", reason: error.reason))
            }
        } else {
            host = .unix(path: Self.defaultSocket)
        }
        guard case .tcp = host else { return .success(DockerEngine(host: host, tls: nil)) }
        if let tls { return .success(DockerEngine(host: host, tls: tls)) }
        let verify = environment["DOCKER_TLS_VERIFY"].map { !$0.isEmpty && $0 != "0" } ?? false
        if let directory = environment["DOCKER_CERT_PATH"].flatMap({ $0.isEmpty ? nil : $0 }) ?? (verify ? environment["HOME"].map { "\($0)/.docker" } : nil) {
            return .success(DockerEngine(host: host, tls: DockerTLS(certPath: directory)))
        }
        return .failure(DockerHostError(
            value: "\(host)",
            reason: "Picket speaks to a tcp:// engine over TLS only (the API without TLS gives root on that host to anyone who reaches the port): set docker.tls, or DOCKER_TLS_VERIFY=1 and DOCKER_CERT_PATH"))
    }
}

/// Where a Docker engine listens: its unix socket, or `tcp://HOST:PORT` (2376, Docker's TLS port, when
/// no port is given).
public enum DockerHost: Hashable, Sendable, CustomStringConvertible {
    case unix(path: String)
    case tcp(host: String, port: Int)

    public static let tlsPort = 2376

    /// `unix:///path`, `/path` or `tcp://host[:port]`; a relative path is taken below `baseDirectory`.
    public init(parsing text: String, baseDirectory: String? = nil) throws(DockerHostError) {
        if text.hasPrefix("tcp://") {
            var rest = String(text.dropFirst("tcp://".count))
            if rest.hasSuffix("/") { rest.removeLast() }
            let hasPort = rest.hasPrefix("[") ? rest.contains("]:") : rest.contains(":")
            do throws(AddressError) {
                let address = try ServerAddress(validating: hasPort ? rest : "\(rest):\(Self.tlsPort)")
                switch address.kind {
                case .network(.ipv4(let host), let port), .network(.ipv6(let host), let port), .network(.name(let host), let port):
                    self = .tcp(host: host, port: port)
                case .unix:
                    throw AddressError(text: rest, reason: "expected HOST:PORT after tcp://")
                }
            } catch {
                throw DockerHostError(value: text, reason: error.reason)
            }
            return
        }
        let path = text.hasPrefix("unix://") ? String(text.dropFirst("unix://".count)) : text
        guard !path.isEmpty, !path.contains("://") else {
            throw DockerHostError(value: text, reason: "expected unix:///path/to/docker.sock or tcp://HOST:PORT, as DOCKER_HOST")
        }
        if let baseDirectory, !path.hasPrefix("/") {
            self = .unix(path: "\(baseDirectory)/\(path)")
        } else {
            self = .unix(path: path)
        }
    }

    public var description: String {
        switch self {
        case .unix(let path): return "unix://\(path)"
        case .tcp(let host, let port): return host.contains(":") ? "tcp://[\(host)]:\(port)" : "tcp://\(host):\(port)"
        }
    }
}

/// The certificates of a TLS-protected engine (dockerd `--tlsverify`): the CA that signed the engine's
/// certificate (verified against the host dialled, as the docker CLI does), and the client certificate
/// and key the engine requires.
public struct DockerTLS: Hashable, Sendable {
    public var caFile: String
    public var clientCertificate: String
    public var clientKey: String

    public init(caFile: String, clientCertificate: String, clientKey: String) {
        self.caFile = caFile
        self.clientCertificate = clientCertificate
        self.clientKey = clientKey
    }

    /// Docker's layout of a certificate directory: `ca.pem`, `cert.pem`, `key.pem`.
    public init(certPath directory: String) {
        self.init(caFile: "\(directory)/ca.pem", clientCertificate: "\(directory)/cert.pem", clientKey: "\(directory)/key.pem")
    }
}

/// The name of an engine in `docker.engines`; `default` is the one of `docker.host` (or `socket`, or
/// `DOCKER_HOST`), which apps use unless they name another.
public struct DockerEngineName: Hashable, Comparable, Sendable, CustomStringConvertible, ExpressibleByStringLiteral {
    public static let `default`: DockerEngineName = "default"
    public let description: String

    public init(_ name: String) {
        description = name
    }

    public init(stringLiteral name: String) {
        description = name
    }

    public static func < (lhs: DockerEngineName, rhs: DockerEngineName) -> Bool { lhs.description < rhs.description }
}

/// The engine Picket speaks to, resolved from the config and the environment.
public struct DockerEngine: Hashable, Sendable, CustomStringConvertible {
    public let host: DockerHost
    /// Set for every `tcp://` engine (see `DockerSettings.engine(environment:)`).
    public let tls: DockerTLS?

    public init(host: DockerHost, tls: DockerTLS?) {
        self.host = host
        self.tls = tls
    }

    public var description: String { tls == nil ? "\(host)" : "\(host) (TLS)" }
}

/// A Docker host Picket cannot use, and why.
public struct DockerHostError: Error, Hashable, Sendable, CustomStringConvertible {
    public let value: String
    public let reason: String

    public init(value: String, reason: String) {
        self.value = value
        self.reason = reason
    }

    public var description: String { "'\(value)': \(reason)" }
}
