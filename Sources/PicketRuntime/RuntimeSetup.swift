import Foundation
import PicketConfig
import PicketCore
import PicketHTTPClient
import PicketNginx
import PicketRender

/// A config with the shell parts built from it: what `run` starts with and what SIGHUP swaps in whole.
/// Building it checks everything that can be checked before touching nginx, so a bad config or template
/// never replaces a good one.
public struct RuntimeSetup: Sendable {
    public let configuration: PicketConfiguration
    public let renderer: OutputRenderer
    public let applier: NginxApplier
    /// The Docker engines the apps that discover containers use, by name.
    public let dockerEngines: [DockerEngineName: DockerEngine]
    /// Where each key was written, so later problems point at their line.
    public let source: ConfigSource
    /// What is worth a warning but does not refuse the config, located.
    public let warnings: [Diagnostic]

    public init(
        configuration: PicketConfiguration, renderer: OutputRenderer, dockerEngines: [DockerEngineName: DockerEngine] = [:],
        source: ConfigSource = ConfigSource(file: ""), warnings: [Diagnostic] = []
    ) {
        self.configuration = configuration
        self.renderer = renderer
        self.dockerEngines = dockerEngines
        self.source = source
        self.warnings = warnings
        applier = NginxApplier(settings: configuration.nginx)
    }

    /// Loads and checks the config at `path`; `checkNginx` also verifies that nginx.conf includes the
    /// outputs in their blocks (off for `picket validate` on a machine without that nginx). Every
    /// problem is located: `FILE:LINE:COL: key.path: message`.
    public static func load(path: String, checkNginx: Bool = true) throws(SetupError) -> RuntimeSetup {
        let loaded: LoadedConfig
        do {
            loaded = try ConfigLoader.read(path: path)
        } catch {
            throw SetupError(lines: error.diagnostics.map(\.description))
        }
        let configuration = loaded.configuration
        let renderer = OutputRenderer(
            settings: configuration.nginx,
            http: try template(configuration.nginx.template, key: "nginx.template", builtIn: .builtIn, source: loaded.source),
            stream: try template(configuration.nginx.streamTemplate, key: "nginx.stream_template", builtIn: .builtInStream, source: loaded.source))
        if configuration.nginx.mode == .lua, let path = configuration.nginx.template, !renderer.http.writesLuaBalancer {
            throw SetupError(lines: [loaded.source.diagnostic("nginx.template",
                "\(path) writes no {{#lua}} section, so in nginx.mode: lua nginx would never use what Picket pushes: add the built-in template's balancer_by_lua_block lines").description])
        }
        let dockerEngines = try dockerEngines(configuration, source: loaded.source)
        for (index, webhook) in configuration.alerts.webhooks.enumerated() where webhook.tls {
            do {
                _ = try TLSClient(caFile: webhook.caFile)
            } catch {
                let key = "alerts.webhooks[\(index)].\(webhook.caFile == nil ? "url" : "ca_file")"
                throw SetupError(lines: [loaded.source.diagnostic(key, error.description).description])
            }
        }
        let setup = RuntimeSetup(
            configuration: configuration, renderer: renderer, dockerEngines: dockerEngines, source: loaded.source, warnings: loaded.warnings)
        if checkNginx { try setup.verifyNginx() }
        return setup
    }

    /// The engines the Docker apps use, from `docker:` and the environment, their TLS certificates
    /// loaded once here so that a bad one is an error at start, naming the key (or `DOCKER_CERT_PATH`).
    private static func dockerEngines(_ configuration: PicketConfiguration, source: ConfigSource) throws(SetupError) -> [DockerEngineName: DockerEngine] {
        let settings = configuration.docker
        let engines: [DockerEngineName: DockerEngine]
        switch settings.engines(for: configuration.dockerApps, environment: ProcessInfo.processInfo.environment) {
        case .success(let resolved): engines = resolved
        case .failure(let error): throw SetupError(lines: [source.diagnostic("docker.host", error.description).description])
        }
        for (name, engine) in engines.sorted(by: { $0.key < $1.key }) {
            guard let tls = engine.tls else { continue }
            do {
                _ = try TLSClient(caFile: tls.caFile, clientCertificate: tls.clientCertificate, clientKey: tls.clientKey)
            } catch {
                let (key, origin) = name != .default ? ("docker.engines", " (engine \(name))")
                    : settings.tls == nil ? ("docker.host", " (certificates from DOCKER_CERT_PATH)") : ("docker.tls", "")
                throw SetupError(lines: [source.diagnostic(key, "\(error.description)\(origin)").description])
            }
        }
        return engines
    }

    /// The renderer for the configured template (read safely: a FIFO or a directory is refused, not
    /// waited on), or the built-in one.
    private static func template(_ path: String?, key: String, builtIn: UpstreamRenderer, source: ConfigSource) throws(SetupError) -> UpstreamRenderer {
        guard let path else { return builtIn }
        let bytes: [UInt8]?
        do {
            bytes = try AtomicFile.read(path)
        } catch {
            throw SetupError(lines: [source.diagnostic(key, error.description).description])
        }
        guard let bytes else { throw SetupError(lines: [source.diagnostic(key, "\(path) does not exist").description]) }
        do {
            return try UpstreamRenderer(text: String(decoding: bytes, as: UTF8.self), name: path)
        } catch {
            let diagnostic = Diagnostic(file: path, line: error.line, column: error.column, keyPath: key, message: error.detail)
            throw SetupError(lines: [diagnostic.description])
        }
    }

    /// Checks that nginx's main config includes each output inside its own block (so a staged copy can
    /// be validated, and nginx reads http upstreams in http {} and stream upstreams in stream {}). A
    /// misplaced include is reported where it is in nginx.conf, a missing one at the config's key.
    public func verifyNginx() throws(SetupError) {
        try verifyLuaSecret()
        let required = Set(configuration.apps.map(\.context))
        let problems = applier.includeProblems(required: required.isEmpty ? [.http] : required)
        guard !problems.isEmpty else { return }
        throw SetupError(lines: problems.map { problem in
            let key = problem.context == .stream ? "nginx.stream_output" : "nginx.output"
            if let line = problem.line, let column = problem.column {
                return Diagnostic(file: problem.file, line: line, column: column, keyPath: key, message: problem.message).description
            }
            let at = source.wrote("nginx.main_config") ? "nginx.main_config" : key
            return source.diagnostic(at, problem.message).description
        })
    }
}

extension RuntimeSetup {
    /// In lua mode the shared secret must be there before nginx's snippet and Picket can agree on it.
    func verifyLuaSecret() throws(SetupError) {
        let lua = configuration.nginx.lua
        guard configuration.nginx.mode == .lua else { return }
        let key = source.wrote("nginx.lua.secret_file") ? "nginx.lua.secret_file" : "nginx.mode"
        guard let text = try? String(contentsOfFile: lua.secretFile, encoding: .utf8) else {
            throw SetupError(lines: [source.diagnostic(key, "cannot read the shared secret \(lua.secretFile) (nginx/lua-sync.conf reads it too)").description])
        }
        guard text.trimmingCharacters(in: .whitespacesAndNewlines).count >= 16 else {
            throw SetupError(lines: [source.diagnostic(key, "\(lua.secretFile) holds fewer than 16 characters: nginx's sync endpoint would refuse every push").description])
        }
    }
}

/// Why a config cannot be used, one line per problem.
public struct SetupError: Error, Sendable, CustomStringConvertible {
    public let lines: [String]
    public var description: String { lines.joined(separator: "\n") }
}
