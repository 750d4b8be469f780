import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import PicketCore
import PicketHTTPClient

/// The Docker Engine API as Picket uses it: versioned calls with a timeout each, retries for what may
/// pass on a second try, and a circuit breaker around the engine itself.
///
/// While the engine is away the breaker is open: calls fail at once (Picket keeps checking backends and
/// managing nginx meanwhile), the outage is logged once, and one trial call is let through after a
/// growing pause until the engine answers again.
public final class DockerClient: Sendable {
    /// The newest API version Picket was tested against; older engines are spoken to in their own.
    static let preferredVersion = "1.41"

    let transport: HTTPTransport
    private let callTimeout: Duration
    private let logger: Logger
    private let state = NIOLockedValueBox(State())
    private let retry = Backoff(base: .milliseconds(100), cap: .seconds(1), jitter: 0.2)
    private let trials = Backoff(base: .seconds(1), cap: .seconds(10), jitter: 0.2)

    private struct State {
        var versionPrefix: String?
        var outage: (reason: String, failures: Int, nextTrial: ContinuousClock.Instant)?
        var random = RandomSource(seed: .random(in: 1...UInt64.max))
    }

    /// Called once when an outage begins (for alerts).
    private let onOutage: @Sendable (String) -> Void

    /// A client of `engine`; throws when its TLS certificates cannot be loaded.
    public init(
        engine: DockerEngine, name: DockerEngineName = .default, group: EventLoopGroup, callTimeout: Duration, logger: Logger,
        onOutage: @escaping @Sendable (String) -> Void = { _ in }
    ) throws(HTTPTransportError) {
        self.onOutage = onOutage
        self.engine = engine
        self.name = name
        switch engine.host {
        case .unix(let path):
            transport = HTTPTransport(endpoint: .unix(path: path), group: group, host: "docker")
        case .tcp(let host, let port):
            let tls = try engine.tls.map { tls throws(HTTPTransportError) in
                try TLSClient(caFile: tls.caFile, clientCertificate: tls.clientCertificate, clientKey: tls.clientKey)
            }
            transport = HTTPTransport(endpoint: .tcp(host: host, port: port), group: group, host: host, tls: tls)
        }
        self.callTimeout = callTimeout
        self.logger = logger
    }

    /// The engine, for log lines: `unix:///var/run/docker.sock` or `tcp://host:2376 (TLS)`.
    public let engine: DockerEngine
    /// Its name in `docker.engines`; the default engine's name is left out of log lines.
    public let name: DockerEngineName

    /// `docker engine` or `docker engine NAME`, as log lines begin.
    private var subject: String { name == .default ? "docker engine" : "docker engine \(name)" }

    /// True while the breaker is open.
    public var engineDown: Bool { state.withLockedValue { $0.outage != nil } }

    /// Every container matching all `labels`, running or not.
    public func listContainers(labels: [String: String]) async throws(DockerError) -> [ContainerSummary] {
        try await call(ListContainers(labels: labels))
    }

    func call<E: DockerEndpoint>(_ endpoint: E, extraTime: Duration = .zero) async throws(DockerError) -> E.Response {
        let now = ContinuousClock.now
        if let outage = state.withLockedValue({ $0.outage }), now < outage.nextTrial {
            throw .engineDown(outage.reason)
        }
        var attempt = 0
        while true {
            do {
                let prefix = try await negotiatedPrefix()
                let response = try await send(endpoint, target: prefix + endpoint.path, timeout: callTimeout + extraTime)
                engineAnswered()
                return response
            } catch {
                if error.isEngineOutage, attempt >= 2 || Task.isCancelled {
                    engineFailed(error)
                    throw error
                }
                if !error.isRetryable || attempt >= 2 { throw error }
                let pause = state.withLockedValue { retry.delay(attempt: attempt, random: &$0.random) }
                attempt += 1
                try? await Task.sleep(for: pause)
            }
        }
    }

    private func send<E: DockerEndpoint>(_ endpoint: E, target: String, timeout: Duration) async throws(DockerError) -> E.Response {
        let response: HTTPResponse
        do {
            response = try await transport.send(endpoint.method, target, body: endpoint.body, timeout: timeout)
        } catch {
            throw DockerError(error)
        }
        guard endpoint.accepted.contains(response.status) else {
            throw .status(response.status, target: "\(endpoint.method.rawValue) \(endpoint.path)", message: Self.message(in: response))
        }
        do {
            return try endpoint.decode(response)
        } catch let error as DockerError {
            throw error
        } catch {
            throw .badResponse(target: endpoint.path, reason: "\(error)")
        }
    }

    /// `/v1.41` or the engine's own version if it is older; asked once per engine (again after an outage).
    func negotiatedPrefix() async throws(DockerError) -> String {
        if let prefix = state.withLockedValue({ $0.versionPrefix }) { return prefix }
        let info = try await send(GetVersion(), target: "/version", timeout: callTimeout)
        let version = Self.older(info.ApiVersion, Self.preferredVersion)
        let prefix = "/v\(version)"
        let first = state.withLockedValue { state -> Bool in
            defer { state.versionPrefix = prefix }
            return state.versionPrefix == nil
        }
        if first {
            logger.info("\(subject) (\(info.Version)) at \(engine), API \(info.ApiVersion), speaking \(version)",
                metadata: ["event": "docker_connected", "api_version": "\(version)"])
        }
        return prefix
    }

    private func engineAnswered() {
        let ended = state.withLockedValue { state -> String? in
            defer { state.outage = nil }
            return state.outage?.reason
        }
        if ended != nil {
            logger.notice("\(subject) reachable again at \(engine); container actions resume", metadata: ["event": "docker_engine_up"])
        }
    }

    private func engineFailed(_ error: DockerError) {
        let first = state.withLockedValue { state -> Bool in
            let failures = (state.outage?.failures ?? 0) + 1
            let pause = trials.delay(attempt: failures - 1, random: &state.random)
            let first = state.outage == nil
            state.outage = ("\(error)", failures, ContinuousClock.now + pause)
            state.versionPrefix = nil
            return first
        }
        if first {
            onOutage("\(error)")
            logger.error("\(subject) down (\(error)); health checks and nginx go on, container actions wait",
                metadata: ["event": "docker_engine_down"])
        }
    }

    /// The lower of two `major.minor` versions.
    static func older(_ a: String, _ b: String) -> String {
        func parts(_ text: String) -> [Int] { text.split(separator: ".").map { Int($0) ?? 0 } }
        return parts(a).lexicographicallyPrecedes(parts(b)) ? a : b
    }

    static func message(in response: HTTPResponse) -> String {
        struct Message: Decodable { let message: String }
        return (try? JSONDecoder().decode(Message.self, from: Data(response.body)).message) ?? response.text
    }
}
