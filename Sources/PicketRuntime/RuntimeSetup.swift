import Foundation
import PicketConfig
import PicketCore
import PicketNginx
import PicketRender

/// A config with the shell parts built from it: what `run` starts with and what SIGHUP swaps in whole.
/// Building it checks everything that can be checked before touching nginx, so a bad config or template
/// never replaces a good one.
public struct RuntimeSetup: Sendable {
    public let configuration: PicketConfiguration
    public let renderer: UpstreamRenderer
    public let applier: NginxApplier
    /// The Docker engine's socket, when some app discovers containers.
    public let dockerSocket: String?

    public init(configuration: PicketConfiguration, renderer: UpstreamRenderer, dockerSocket: String? = nil) {
        self.configuration = configuration
        self.renderer = renderer
        self.dockerSocket = dockerSocket
        applier = NginxApplier(settings: configuration.nginx)
    }

    /// Loads and checks the config at `path`; `checkNginx` also verifies that nginx.conf includes the
    /// output (off for `picket validate` on a machine without that nginx).
    public static func load(path: String, checkNginx: Bool = true) throws(SetupError) -> RuntimeSetup {
        let configuration: PicketConfiguration
        do {
            configuration = try ConfigLoader.load(path: path)
        } catch {
            throw SetupError(lines: error.diagnostics.map(\.description))
        }
        let renderer: UpstreamRenderer
        do {
            renderer = try UpstreamRenderer.load(path: configuration.nginx.template)
        } catch {
            throw SetupError(lines: ["\(path): nginx.template: \(error)"])
        }
        var dockerSocket: String?
        if !configuration.dockerApps.isEmpty {
            switch configuration.docker.socketPath(environment: ProcessInfo.processInfo.environment) {
            case .success(let path): dockerSocket = path
            case .failure(let error): throw SetupError(lines: ["\(path): docker.socket: \(error)"])
            }
        }
        let setup = RuntimeSetup(configuration: configuration, renderer: renderer, dockerSocket: dockerSocket)
        if checkNginx { try setup.verifyNginx(configPath: path) }
        return setup
    }

    /// Checks that nginx's main config includes Picket's output (so a staged copy can be validated).
    public func verifyNginx(configPath: String) throws(SetupError) {
        do {
            try applier.verifySetup()
        } catch {
            throw SetupError(lines: ["\(configPath): nginx.main_config: \(error)"])
        }
    }
}

/// Why a config cannot be used, one line per problem.
public struct SetupError: Error, Sendable, CustomStringConvertible {
    public let lines: [String]
    public var description: String { lines.joined(separator: "\n") }
}
