import Foundation
import Yams

/// Reads the `alerts:` section.
struct AlertDecoder {
    let reader: NodeReader
    /// Where a relative `ca_file` is taken from: the config file's directory.
    let baseDirectory: String

    func decode(_ node: Node?) -> AlertSettings {
        var settings = AlertSettings()
        guard let section = reader.section(node, "alerts", OperationsKeys.alerts) else { return settings }
        if let value = reader.int(section, OperationsKeys.queueSize) { settings.queueSize = value }
        if let value = reader.int(section, OperationsKeys.maxRetries) { settings.maxRetries = value }
        for (index, item) in (reader.list(section[OperationsKeys.webhooks], section.path("webhooks")) ?? []).enumerated() {
            let path = "\(section.path("webhooks"))[\(index)]"
            guard let hook = reader.section(item, path, OperationsKeys.webhook) else { continue }
            guard let text = reader.string(hook, OperationsKeys.url) else {
                if hook[OperationsKeys.url] == nil { reader.report(item, hook.path("url"), "a webhook needs a url") }
                continue
            }
            guard let url = URL(string: text), url.scheme == "http" || url.scheme == "https", let host = url.host, !host.isEmpty, url.user == nil else {
                reader.report(hook[OperationsKeys.url], hook.path("url"), "expected http://HOST[:PORT]/PATH or https://HOST[:PORT]/PATH (no user or password)")
                continue
            }
            let tls = url.scheme == "https"
            var webhook = Webhook(
                host: host.trimmingCharacters(in: ["[", "]"]), port: url.port ?? (tls ? 443 : 80),
                path: url.path.isEmpty ? "/" : url.path + (url.query.map { "?\($0)" } ?? ""), tls: tls)
            if let node = hook[OperationsKeys.webhookHeaders] {
                webhook.headers = reader.headers(node, hook.path("headers"))
                for header in webhook.headers where Webhook.reservedHeaders.contains(header.name.lowercased()) {
                    reader.report(node, hook.path("headers"), "'\(header.name)' is written by Picket itself")
                }
            }
            if let secret = reader.string(hook, OperationsKeys.secret) {
                if secret.count < 16 { reader.report(hook[OperationsKeys.secret], hook.path("secret"), "use at least 16 characters") }
                webhook.secret = secret
            }
            if let caFile = reader.string(hook, OperationsKeys.caFile) {
                if !tls { reader.report(hook[OperationsKeys.caFile], hook.path("ca_file"), "only applies to an https:// url") }
                webhook.caFile = caFile.hasPrefix("/") ? caFile : "\(baseDirectory)/\(caFile)"
            }
            let severities = Dictionary(uniqueKeysWithValues: AlertSeverity.allCases.map { ($0.rawValue, $0) })
            if let value = reader.choice(hook[OperationsKeys.minSeverity], hook.path("min_severity"), severities) { webhook.minSeverity = value }
            if let names = reader.stringList(hook[OperationsKeys.events], hook.path("events")) {
                for name in names {
                    if let kind = AlertKind(rawValue: name) {
                        webhook.events.insert(kind)
                    } else {
                        reader.report(hook[OperationsKeys.events], hook.path("events"),
                            "unknown event '\(name)'\(Suggestion.hint(for: name, in: AlertKind.allCases.map(\.rawValue)))")
                    }
                }
            }
            if let value = reader.duration(hook, OperationsKeys.timeout) { webhook.timeout = value }
            settings.webhooks.append(webhook)
        }
        return settings
    }
}
