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
