import Foundation
import PicketCore
import Yams

/// Loads and validates a Picket YAML config.
///
/// Every problem is collected with its file, line, column and key path; a config with any problem is
/// refused whole, so a bad edit can never replace a running good config. Keys, kinds and bounds come
/// from `ConfigSchema`.
public enum ConfigLoader {
    /// Reads and validates the config at `path`; `environment` supplies `PICKET_STATUS_TOKEN`.
    public static func read(path: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws(ConfigError) -> LoadedConfig {
        let text = try text(at: path)
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        return try read(text, file: path, baseDirectory: directory, environment: environment)
    }

    public static func load(path: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws(ConfigError) -> PicketConfiguration {
        try read(path: path, environment: environment).configuration
    }

    public static func parse(_ text: String, file: String, baseDirectory: String, environment: [String: String] = [:]) throws(ConfigError) -> PicketConfiguration {
        try read(text, file: file, baseDirectory: baseDirectory, environment: environment).configuration
    }

    public static func read(_ text: String, file: String, baseDirectory: String, environment: [String: String] = [:]) throws(ConfigError) -> LoadedConfig {
        let scan = YAMLScan.scan(text, file: file)
        if let problem = scan.problem { throw ConfigError(diagnostics: [problem]) }
        let reader = NodeReader(file: file, tags: scan.tags)
        let root: Node
        do {
            guard let node = try Yams.compose(yaml: text) else {
                throw ConfigError(diagnostics: [Diagnostic(file: file, line: 1, column: 1, keyPath: "", message: "the file is empty")])
            }
            root = node
        } catch let error as ConfigError {
            throw error
        } catch {
            throw ConfigError(diagnostics: [syntaxDiagnostic(error, file: file)])
        }
        guard let top = reader.section(root, "", ConfigSchema.root) else { throw ConfigError(diagnostics: reader.diagnostics) }
        var (nginx, controller) = NginxDecoder(reader: reader, baseDirectory: baseDirectory).decode(top[ConfigSchema.nginx], owner: root)
        let docker = DockerDecoder(reader: reader).decodeSettings(top[ConfigSchema.docker], baseDirectory: baseDirectory, controller: &controller)
        let status = StatusDecoder(reader: reader).decode(top[ConfigSchema.status], environment: environment)
        let alerts = AlertDecoder(reader: reader, baseDirectory: baseDirectory).decode(top[ConfigSchema.alerts])
        let state = StateDecoder(reader: reader, baseDirectory: baseDirectory, file: file).decode(top[ConfigSchema.state])
        let passive = PassiveDecoder(reader: reader).decodeListener(top[ConfigSchema.passive])
        let fleet = FleetDecoder(reader: reader, hostName: ProcessInfo.processInfo.hostName)
            .decode(node: top[ConfigSchema.node], fleet: top[ConfigSchema.fleet])
        var maxConcurrent = 512
        if let probes = reader.section(top, ConfigSchema.probes) {
            maxConcurrent = reader.int(probes, OperationsKeys.maxConcurrent) ?? maxConcurrent
        }
        let apps = decodeApps(top, root: root, reader: reader, nginx: nginx, engines: Set(docker.engines.keys), baseDirectory: baseDirectory)
        guard reader.diagnostics.isEmpty else { throw ConfigError(diagnostics: reader.diagnostics) }
        let configuration = PicketConfiguration(
            apps: apps, controller: controller, nginx: nginx, docker: docker, status: status, state: state, alerts: alerts,
            maxConcurrentProbes: maxConcurrent, passive: passive, fleet: fleet)
        return LoadedConfig(configuration: configuration, source: ConfigSource(file: file, marks: reader.marks), warnings: reader.warnings)
    }

    private static func decodeApps(
        _ top: Section, root: Node, reader: NodeReader, nginx: NginxSettings, engines: Set<DockerEngineName>, baseDirectory: String
    ) -> [AppSpec] {
        let appDecoder = AppDecoder(reader: reader, baseDirectory: baseDirectory, engines: engines)
        let defaults = reader.section(top, ConfigSchema.defaults)
        if let defaults { appDecoder.validateDefaults(defaults) }
        guard let appNodes = reader.list(top[ConfigSchema.apps], "apps") else {
            if top[ConfigSchema.apps] == nil { reader.report(root, "apps", "declare at least one app under apps:") }
            return []
        }
        if appNodes.isEmpty {
            reader.report(top[ConfigSchema.apps], "apps", "declare at least one app: with none, Picket would check nothing and write empty upstreams")
        }
        var apps: [AppSpec] = []
        var names: Set<AppName> = []
        for (index, node) in appNodes.enumerated() {
            guard let app = appDecoder.decode(node, "apps[\(index)]", defaults: defaults) else { continue }
            if !names.insert(app.name).inserted {
                reader.report(node.mapping?[Node("name")] ?? node, "apps[\(index)].name", "duplicate app name '\(app.name)'")
            }
            if let file = nginx.appOutput(app.name), file == nginx.output || file == nginx.streamOutput {
                reader.report(node.mapping?[Node("name")] ?? node, "apps[\(index)].name",
                    "with nginx.output_per_app this app's file would be \(file), which is already an output: rename the app or pick another directory")
            }
            if app.context == .stream, nginx.streamOutput == nil {
                reader.report(node.mapping?[Node("nginx")] ?? node, "apps[\(index)].nginx.context",
                    "a stream app needs nginx.stream_output: the file nginx.conf includes inside stream {}")
            }
            apps.append(app)
        }
        return apps
    }

    private static func syntaxDiagnostic(_ error: Error, file: String) -> Diagnostic {
        if let yaml = error as? YamlError {
            switch yaml {
            case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _), .composer(_, let problem, let mark, _):
                return Diagnostic(file: file, line: mark.line, column: mark.column, keyPath: "", message: "YAML syntax: \(problem)")
            case .reader(let problem, let offset, let value, let text):
                let (line, column) = position(ofCharacter: offset ?? 0, in: text)
                let character = value >= 0 ? String(format: " (U+%04X)", value) : ""
                return Diagnostic(file: file, line: line, column: column, keyPath: "", message: "YAML: \(problem)\(character)")
            case .duplicatedKeysInMapping(let duplicates, let context):
                return Diagnostic(file: file, line: context.mark.line, column: context.mark.column, keyPath: "",
                    message: "duplicate key \(duplicates.joined(separator: ", "))")
            default:
                break
            }
        }
        return Diagnostic(file: file, line: 1, column: 1, keyPath: "", message: "YAML: \(error)")
    }

    /// Line and column (counted in Unicode scalars, as libyaml counts them) of the character at
    /// `offset` (as Yams reports a reader error's place).
    static func position(ofCharacter offset: Int, in text: String) -> (line: Int, column: Int) {
        var line = 1, column = 1
        for character in text.prefix(offset) {
            if character.isNewline {
                line += 1
                column = 1
            } else {
                column += character.unicodeScalars.count
            }
        }
        return (line, column)
    }
}
