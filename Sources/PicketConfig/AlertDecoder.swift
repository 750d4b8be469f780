import Foundation
import Yams

/// Reads the `alerts:` section.
struct AlertDecoder {
    static let keys = ["webhooks", "queue_size", "max_retries"]
    static let webhookKeys = ["url", "min_severity", "events", "timeout"]

    let reader: NodeReader

    func decode(_ node: Node?) -> AlertSettings {
        var settings = AlertSettings()
        guard let section = reader.section(node, "alerts", known: Self.keys) else { return settings }
        if let value = reader.int(section["queue_size"], section.path("queue_size"), in: 1...1_000_000) { settings.queueSize = value }
        if let value = reader.int(section["max_retries"], section.path("max_retries"), in: 0...100) { settings.maxRetries = value }
        for (index, item) in (reader.list(section["webhooks"], section.path("webhooks")) ?? []).enumerated() {
            let path = "\(section.path("webhooks"))[\(index)]"
            guard let hook = reader.section(item, path, known: Self.webhookKeys) else { continue }
            guard let text = reader.string(hook["url"], hook.path("url")) else {
                if hook["url"] == nil { reader.report(item, hook.path("url"), "a webhook needs a url") }
                continue
            }
            guard let url = URL(string: text), url.scheme == "http", let host = url.host, !host.isEmpty else {
                reader.report(hook["url"], hook.path("url"), "expected http://HOST[:PORT]/PATH (Picket sends plain HTTP; put a relay in front for HTTPS)")
                continue
            }
            var webhook = Webhook(host: host, port: url.port ?? 80, path: url.path.isEmpty ? "/" : url.path + (url.query.map { "?\($0)" } ?? ""))
            let severities = Dictionary(uniqueKeysWithValues: AlertSeverity.allCases.map { ($0.rawValue, $0) })
            if let value = reader.choice(hook["min_severity"], hook.path("min_severity"), severities) { webhook.minSeverity = value }
            if let names = reader.stringList(hook["events"], hook.path("events")) {
                for name in names {
                    if let kind = AlertKind(rawValue: name) {
                        webhook.events.insert(kind)
                    } else {
                        reader.report(hook["events"], hook.path("events"),
                            "unknown event '\(name)'\(Suggestion.hint(for: name, in: AlertKind.allCases.map(\.rawValue)))")
                    }
                }
            }
            if let value = reader.duration(hook["timeout"], hook.path("timeout"), minimum: .milliseconds(100)) { webhook.timeout = value }
            settings.webhooks.append(webhook)
        }
        return settings
    }
}
