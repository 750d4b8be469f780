import Foundation
import PicketNginx
import PicketTestSupport

/// A Docker-backed deployment in one test: a real nginx, a real Docker engine with busybox `httpd`
/// containers on loopback ports (`--network host`), and Picket discovering and recovering them.
/// Every container carries a label unique to the test, and all of them are removed at the end.
final class DockerStack: @unchecked Sendable {
    static let image = "picket-test/busybox:latest"
    /// Under CI a missing engine fails the tests instead of skipping them.
    static let runs = FileManager.default.fileExists(atPath: "/var/run/docker.sock") || ProcessInfo.processInfo.environment["CI"] != nil

    let nginx: NginxPrefix
    let picket: InProcessPicket
    let run: String
    /// The engine the containers run on: the machine's own (unix socket), or a TLS one over tcp://.
    let engine: TLSDockerEngine?
    /// A second engine, `remote` in `docker.engines`, for the app `api`.
    let remote: TLSDockerEngine?
    /// Containers of the app `web` on `engine`, and of `api` on `remote`.
    private let local: TestContainers
    private let remoteContainers: TestContainers?

    /// `settings` is YAML placed before `docker:` (e.g. a `status:` section).
    static func with(
        staticInstances: [String] = [], settings: String = "", engine: TLSDockerEngine? = nil, remote: TLSDockerEngine? = nil,
        _ body: (DockerStack) async throws -> Void
    ) async throws {
        try await using(try DockerStack(staticInstances: staticInstances, settings: settings, engine: engine, remote: remote), body) { await $0.shutdown() }
    }

    private init(staticInstances: [String], settings: String, engine: TLSDockerEngine?, remote: TLSDockerEngine?) throws {
        self.engine = engine
        self.remote = remote
        let run = "t\(UUID().uuidString.prefix(8).lowercased())"
        self.run = run
        local = TestContainers(run: run, app: "web", cli: engine?.cli ?? [])
        remoteContainers = remote.map { TestContainers(run: run, app: "api", cli: $0.cli) }
        nginx = try NginxPrefix(port: freePort())
        let configPath = "\(nginx.root)/picket.yaml"
        picket = InProcessPicket(configPath: configPath)
        let defaultEngine = engine.map { ", host: \"tcp://127.0.0.1:\($0.port)\", tls: \($0.certPath)" } ?? ""
        let engines = remote.map { ", engines: [{name: remote, host: \"tcp://127.0.0.1:\($0.port)\", tls: \($0.certPath)}]" } ?? ""
        let shared = """
                health_check: {path: /health, interval: 500ms, timeout: 300ms, failure_threshold: 2, success_threshold: 2}
                circuit_breaker: {failure_threshold: 3, recovery_timeout: 2s}
                recovery: {drain_timeout: 500ms, stop_timeout: 1s, max_restarts: 2, backoff: {initial: 500ms, max: 2s}}
            """
        var yaml = nginx.picketSection() + settings + """
            docker: {resync_interval: 2s, call_timeout: 5s\(defaultEngine)\(engines)}
            apps:
              - name: web
                docker: {selector: {picket.app: web, picket.test: \(run)}}
                instances: [\(staticInstances.joined(separator: ", "))]

            """ + shared
        if remote != nil {
            yaml += "\n  - name: api\n    docker: {engine: remote, selector: {picket.app: api, picket.test: \(run)}}\n" + shared
        }
        try yaml.write(toFile: configPath, atomically: true, encoding: .utf8)
    }

    /// A backend container named `name` answering `container NAME` on `/` and `ok` on `/health`.
    @discardableResult
    func startContainer(
        _ name: String, port: Int = freePort(), labelled: Bool = true, command: String? = nil, options: [String] = [], onRemote: Bool = false
    ) async throws -> Backend {
        try await containers(onRemote).start(name, port: port, labelled: labelled, command: command, options: options)
    }

    @discardableResult
    func docker(_ args: [String], timeout: Duration = .seconds(60), onRemote: Bool = false) async throws -> String {
        try await containers(onRemote).docker(args, timeout: timeout)
    }

    /// `docker inspect` of one field, e.g. `{{.State.Status}}`.
    func inspect(_ name: String, _ format: String) async -> String {
        await local.inspect(name, format)
    }

    private func containers(_ onRemote: Bool) -> TestContainers { onRemote ? remoteContainers ?? local : local }

    /// Starts Picket, then nginx on the file Picket wrote, then waits until `expected` containers serve.
    func startPicketThenNginx(expecting expected: [Backend]) async throws -> Bool {
        try picket.start()
        guard await eventually(timeout: .seconds(5), { FileManager.default.fileExists(atPath: nginx.outputPath) }) else { return false }
        try await nginx.start()
        return await eventually(timeout: .seconds(15)) { expected.allSatisfy { self.nginx.output.contains("server \($0.address) ") } }
    }

    func shutdown() async {
        await picket.stop()
        if ProcessInfo.processInfo.environment["PICKET_TEST_PRINT_LOG"] != nil { print(picket.log.joined(separator: "\n")) }
        await nginx.stop()
        await local.removeAll()
        await remoteContainers?.removeAll()
    }

    typealias Backend = TestContainers.Backend
}
