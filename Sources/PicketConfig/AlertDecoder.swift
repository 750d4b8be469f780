import Foundation
import Yams

/// Reads the `alerts:` section.
struct AlertDecoder {
    let reader: NodeReader

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
            guard let url = URL(string: text), url.scheme == "http", let host = url.host, !host.isEmpty else {
                reader.report(hook[OperationsKeys.url], hook.path("url"), "expected http://HOST[:PORT]/PATH (Picket sends plain HTTP; put a relay in front for HTTPS)")
                continue
            }
            var webhook = Webhook(host: host, port: url.port ?? 80, path: url.path.isEmpty ? "/" : url.path + (url.query.map { "?\($0)" } ?? ""))
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
