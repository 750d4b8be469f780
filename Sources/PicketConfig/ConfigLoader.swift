import Foundation
import PicketCore
import Yams

/// Loads and validates a Picket YAML config.
///
/// Every problem is collected with its file, line, column and key path; a config with any problem is
/// refused whole, so a bad edit can never replace a running good config.
public enum ConfigLoader {
    static let topKeys = ["nginx", "probes", "docker", "status", "state", "alerts", "defaults", "apps"]
    static let probeKeys = ["max_concurrent"]

    public static func load(path: String) throws(ConfigError) -> PicketConfiguration {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ConfigError(diagnostics: [Diagnostic(file: path, line: 1, column: 1, keyPath: "", message: "cannot read the file: \(error.localizedDescription)")])
        }
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        return try parse(text, file: path, baseDirectory: directory)
    }

    public static func parse(_ text: String, file: String, baseDirectory: String) throws(ConfigError) -> PicketConfiguration {
        let reader = NodeReader(file: file)
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
        guard let top = reader.section(root, "", known: topKeys) else { throw ConfigError(diagnostics: reader.diagnostics) }
        let (nginx, controller) = NginxDecoder(reader: reader, baseDirectory: baseDirectory).decode(top["nginx"], owner: root)
        let docker = DockerDecoder(reader: reader).decodeSettings(top["docker"], baseDirectory: baseDirectory)
        let status = StatusDecoder(reader: reader).decode(top["status"])
        let alerts = AlertDecoder(reader: reader).decode(top["alerts"])
        let state = StateDecoder(reader: reader, baseDirectory: baseDirectory, file: file).decode(top["state"])
        var maxConcurrent = 512
        if let probes = reader.section(top["probes"], "probes", known: probeKeys) {
            maxConcurrent = reader.int(probes["max_concurrent"], probes.path("max_concurrent"), in: 1...65_536) ?? maxConcurrent
        }
        let appDecoder = AppDecoder(reader: reader)
        let defaults = reader.section(top["defaults"], "defaults", known: AppDecoder.sharedKeys)
        if let defaults { appDecoder.validateDefaults(defaults) }
        var apps: [AppSpec] = []
        if let appNodes = reader.list(top["apps"], "apps") {
            var names: Set<AppName> = []
            for (index, node) in appNodes.enumerated() {
                guard let app = appDecoder.decode(node, "apps[\(index)]", defaults: defaults) else { continue }
                if !names.insert(app.name).inserted {
                    reader.report(node.mapping?[Node("name")] ?? node, "apps[\(index)].name", "duplicate app name '\(app.name)'")
                }
                apps.append(app)
            }
        } else if top["apps"] == nil {
            reader.report(root, "apps", "declare at least one app under apps:")
        }
        guard reader.diagnostics.isEmpty else { throw ConfigError(diagnostics: reader.diagnostics) }
        return PicketConfiguration(apps: apps, controller: controller, nginx: nginx, docker: docker, status: status, state: state, alerts: alerts, maxConcurrentProbes: maxConcurrent)
    }

    private static func syntaxDiagnostic(_ error: Error, file: String) -> Diagnostic {
        if let yaml = error as? YamlError {
            switch yaml {
            case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _), .composer(_, let problem, let mark, _):
                return Diagnostic(file: file, line: mark.line, column: mark.column, keyPath: "", message: "YAML syntax: \(problem)")
            case .duplicatedKeysInMapping(let duplicates, let context):
                return Diagnostic(file: file, line: context.mark.line, column: context.mark.column, keyPath: "",
                    message: "duplicate key \(duplicates.joined(separator: ", "))")
            default:
                break
            }
        }
        return Diagnostic(file: file, line: 1, column: 1, keyPath: "", message: "YAML: \(error)")
    }
}
