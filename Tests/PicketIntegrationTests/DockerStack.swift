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
    let run = "t\(UUID().uuidString.prefix(8).lowercased())"
    /// The engine the containers run on: the machine's own (unix socket), or a TLS one over tcp://.
    let engine: TLSDockerEngine?
    /// A second engine, `remote` in `docker.engines`, for the app `api`.
    let remote: TLSDockerEngine?
    private var extraNames: [String] = []

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
        let full = "\(run)-\(name)"
        let script = command ?? "mkdir -p /tmp/w && echo container \(name) > /tmp/w/index.html && echo ok > /tmp/w/health && exec httpd -f -p 127.0.0.1:\(port) -h /tmp/w"
        var args = ["run", "-d", "--network", "host", "--stop-timeout", "1", "--name", full] + options
        if labelled {
            args += ["--label", "picket.app=\(onRemote ? "api" : "web")", "--label", "picket.test=\(run)", "--label", "picket.port=\(port)"]
        } else {
            extraNames.append(full)
        }
        try await docker(args + [Self.image, "sh", "-c", script], onRemote: onRemote)
        return Backend(name: full, address: "127.0.0.1:\(port)")
    }

    @discardableResult
    func docker(_ args: [String], timeout: Duration = .seconds(60), onRemote: Bool = false) async throws -> String {
        let cli = onRemote ? remote?.cli ?? [] : engine?.cli ?? []
        let result = await CommandRunner.run(["/usr/bin/env", "docker"] + cli + args, timeout: timeout)
        guard result.succeeded else { throw DockerFailed(description: "docker \(args.joined(separator: " ")): \(result.summary)") }
        return result.output.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// `docker inspect` of one field, e.g. `{{.State.Status}}`.
    func inspect(_ name: String, _ format: String) async -> String {
        (try? await docker(["inspect", "--format", format, name])) ?? ""
    }

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
        let ids = ((try? await docker(["ps", "-aq", "--filter", "label=picket.test=\(run)"])) ?? "").split(separator: "\n").map(String.init)
        _ = try? await docker(["rm", "-f"] + ids + extraNames)
        if remote != nil {
            let remoteIDs = ((try? await docker(["ps", "-aq", "--filter", "label=picket.test=\(run)"], onRemote: true)) ?? "").split(separator: "\n").map(String.init)
            _ = try? await docker(["rm", "-f"] + remoteIDs, onRemote: true)
        }
    }

    struct DockerFailed: Error, CustomStringConvertible {
        let description: String
    }

    struct Backend {
        let name: String
        let address: String
    }
}
