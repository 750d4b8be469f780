import Foundation
import PicketCore
import Yams

/// Reads the `state:` section.
struct StateDecoder {
    let reader: NodeReader
    let baseDirectory: String
    /// The config file: the default database sits beside it and is named after it.
    let file: String

    func decode(_ node: Node?) -> StateSettings {
        let stem = ((file as NSString).lastPathComponent as NSString).deletingPathExtension
        var settings = StateSettings(path: "\(baseDirectory)/\(stem).state.db")
        guard let section = reader.section(node, "state", OperationsKeys.state) else { return settings }
        if let value = reader.bool(section, OperationsKeys.stateEnabled) { settings.enabled = value }
        if let path = reader.string(section, OperationsKeys.statePath) {
            settings.path = path.hasPrefix("/") ? path : "\(baseDirectory)/\(path)"
        }
        if let value = reader.duration(section, OperationsKeys.retention) { settings.retention = value }
        if let text = reader.string(section, OperationsKeys.stateURL) {
            do {
                settings.url = try DatabaseURL(validating: text)
            } catch {
                reader.report(section[OperationsKeys.stateURL], section.path(OperationsKeys.stateURL.name), error.description)
            }
        }
        if let path = reader.string(section, OperationsKeys.passwordFile) {
            settings.passwordFile = path.hasPrefix("/") ? path : "\(baseDirectory)/\(path)"
        }
        return settings
    }
}
