import PicketCore
import Yams

/// Reads the top-level `docker:` section and an app's `docker:` and `recovery:` sections.
struct DockerDecoder {
    static let keys = ["socket", "call_timeout", "resync_interval"]
    static let sourceKeys = ["selector", "port", "network"]
    static let recoveryKeys = [
        "enabled", "after_open", "after_failures", "drain_timeout", "stop_timeout", "max_restarts", "restart_window", "backoff",
        "recreate", "max_in_flight",
    ]
    static let backoffKeys = ["initial", "max", "jitter"]

    let reader: NodeReader

    func decodeSettings(_ node: Node?, baseDirectory: String) -> DockerSettings {
        var settings = DockerSettings()
        guard let section = reader.section(node, "docker", known: Self.keys) else { return settings }
        if let socket = reader.string(section["socket"], section.path("socket")) {
            settings.socket = socket.hasPrefix("/") ? socket : "\(baseDirectory)/\(socket)"
        }
        if let value = reader.duration(section["call_timeout"], section.path("call_timeout"), minimum: .milliseconds(100)) { settings.callTimeout = value }
        if let value = reader.duration(section["resync_interval"], section.path("resync_interval"), minimum: .seconds(1)) { settings.resyncInterval = value }
        return settings
    }

    func decodeSource(_ node: Node?, _ path: String, app: AppName?) -> DockerSource? {
        guard let section = reader.section(node, path, known: Self.sourceKeys) else { return nil }
        var source = DockerSource(selector: app.map(DockerSource.defaultSelector) ?? [:])
        if let selectorNode = section["selector"] {
            if let mapping = selectorNode.mapping, !mapping.isEmpty {
                var selector: [String: String] = [:]
                for (key, value) in mapping {
                    guard let name = reader.string(key, path), let text = reader.string(value, join(section.path("selector"), name), nonEmpty: false) else { continue }
                    if name.contains("=") || name.contains(where: \.isWhitespace) {
                        reader.report(key, join(section.path("selector"), name), "a label name may not hold '=' or spaces")
                    }
                    selector[name] = text
                }
                source.selector = selector
            } else {
                reader.report(selectorNode, section.path("selector"), "expected a mapping of label names to values, e.g. {picket.app: web}")
            }
        }
        source.port = reader.int(section["port"], section.path("port"), in: 1...65535)
        if let network = reader.string(section["network"], section.path("network")) {
            source.addressing = network == "host" ? .host : .network(network)
        }
        return source
    }

    func decodeRecovery(_ node: Node?, _ path: String) -> RecoveryPolicy {
        var policy = RecoveryPolicy()
        guard let section = reader.section(node, path, known: Self.recoveryKeys) else { return policy }
        if let value = reader.bool(section["enabled"], section.path("enabled")) { policy.enabled = value }
        if let value = reader.duration(section["after_open"], section.path("after_open")) { policy.afterOpen = value }
        policy.afterFailures = reader.int(section["after_failures"], section.path("after_failures"), in: 1...1000)
        if let value = reader.duration(section["drain_timeout"], section.path("drain_timeout")) { policy.drainTimeout = value }
        if let value = reader.duration(section["stop_timeout"], section.path("stop_timeout"), minimum: .seconds(1)) {
            if value.nanoseconds % 1_000_000_000 != 0 {
                reader.report(section["stop_timeout"], section.path("stop_timeout"), "Docker takes the stop timeout in whole seconds, got \(value.shortDescription)")
            }
            policy.stopTimeout = value
        }
        if let value = reader.int(section["max_restarts"], section.path("max_restarts"), in: 0...100) { policy.maxRestarts = value }
        if let value = reader.duration(section["restart_window"], section.path("restart_window"), minimum: .seconds(1)) { policy.restartWindow = value }
        if let value = reader.bool(section["recreate"], section.path("recreate")) { policy.recreate = value }
        if let value = reader.int(section["max_in_flight"], section.path("max_in_flight"), in: 1...1000) { policy.maxInFlight = value }
        if let backoff = reader.section(section["backoff"], section.path("backoff"), known: Self.backoffKeys) {
            let initial = reader.duration(backoff["initial"], backoff.path("initial"), minimum: .milliseconds(100)) ?? policy.backoff.base
            let max = reader.duration(backoff["max"], backoff.path("max"), minimum: .milliseconds(100)) ?? policy.backoff.cap
            let jitter = reader.double(backoff["jitter"], backoff.path("jitter"), in: 0...0.5) ?? policy.backoff.jitter
            if max < initial { reader.report(backoff["max"] ?? backoff.node, backoff.path("max"), "must be at least backoff.initial (\(initial.shortDescription))") }
            policy.backoff = Backoff(base: initial, cap: max, jitter: jitter)
        }
        return policy
    }
}
