import Foundation
import PicketCore
import Yams

/// Reads the `status:` section.
struct StatusDecoder {
    static let keys = ["enabled", "listen", "token"]

    let reader: NodeReader

    func decode(_ node: Node?) -> StatusSettings {
        var settings = StatusSettings()
        guard let section = reader.section(node, "status", known: Self.keys) else { return settings }
        if let value = reader.bool(section["enabled"], section.path("enabled")) { settings.enabled = value }
        if let text = reader.string(section["listen"], section.path("listen")) {
            do {
                let address = try ServerAddress(validating: text)
                if case .network(let host, let port) = address.kind {
                    switch host {
                    case .ipv4(let ip), .ipv6(let ip), .name(let ip): settings.host = ip
                    }
                    settings.port = port
                } else {
                    reader.report(section["listen"], section.path("listen"), "expected host:port, e.g. 127.0.0.1:9180")
                }
            } catch {
                reader.report(section["listen"], section.path("listen"), error.description)
            }
        }
        if let token = reader.string(section["token"], section.path("token")) {
            if token.count < 16 || token.contains(where: { $0.isWhitespace }) {
                reader.report(section["token"], section.path("token"), "use at least 16 characters without spaces (or set \(StatusSettings.tokenVariable))")
            }
            settings.token = token
        }
        return settings
    }
}

/// Reads the `state:` section.
struct StateDecoder {
    static let keys = ["enabled", "path", "retention"]

    let reader: NodeReader
    let baseDirectory: String
    /// The config file: the default database sits beside it and is named after it.
    let file: String

    func decode(_ node: Node?) -> StateSettings {
        let stem = ((file as NSString).lastPathComponent as NSString).deletingPathExtension
        var settings = StateSettings(path: "\(baseDirectory)/\(stem).state.db")
        guard let section = reader.section(node, "state", known: Self.keys) else { return settings }
        if let value = reader.bool(section["enabled"], section.path("enabled")) { settings.enabled = value }
        if let path = reader.string(section["path"], section.path("path")) {
            settings.path = path.hasPrefix("/") ? path : "\(baseDirectory)/\(path)"
        }
        if let value = reader.duration(section["retention"], section.path("retention"), minimum: .seconds(60)) { settings.retention = value }
        return settings
    }
}
