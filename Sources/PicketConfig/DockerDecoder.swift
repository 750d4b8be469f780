import PicketCore
import Yams

/// Reads the top-level `docker:` section and an app's `docker:` and `recovery:` sections.
struct DockerDecoder {
    let reader: NodeReader

    /// The engine's settings; `first_listing_wait` goes to the controller, which is what waits.
    func decodeSettings(_ node: Node?, baseDirectory: String, controller: inout ControllerSettings) -> DockerSettings {
        var settings = DockerSettings()
        guard let section = reader.section(node, "docker", DockerKeys.engine) else { return settings }
        if var socket = reader.string(section, DockerKeys.socket) {
            if socket.hasPrefix("unix://") { socket.removeFirst("unix://".count) }
            if socket.contains("://") {
                reader.report(section[DockerKeys.socket], section.path("socket"),
                    "'\(socket)': Picket talks to the engine over its unix socket only (a path, or unix:///var/run/docker.sock), as for DOCKER_HOST")
            } else {
                settings.socket = socket.hasPrefix("/") ? socket : "\(baseDirectory)/\(socket)"
            }
        }
        if let value = reader.duration(section, DockerKeys.callTimeout) { settings.callTimeout = value }
        if let value = reader.duration(section, DockerKeys.resyncInterval) { settings.resyncInterval = value }
        if let value = reader.duration(section, DockerKeys.firstListingWait) { controller.firstListingWait = value }
        return settings
    }

    func decodeSource(_ node: Node?, _ path: String, app: AppName?) -> DockerSource? {
        guard let section = reader.section(node, path, DockerKeys.source) else { return nil }
        var source = DockerSource(selector: app.map(DockerSource.defaultSelector) ?? [:])
        if let selectorNode = section[DockerKeys.selector] {
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
        source.port = reader.int(section, DockerKeys.port)
        if let network = reader.string(section, DockerKeys.network) {
            source.addressing = network == "host" ? .host : .network(network)
        }
        return source
    }

    func decodeRecovery(_ node: Node?, _ path: String) -> RecoveryPolicy {
        var policy = RecoveryPolicy()
        guard let section = reader.section(node, path, DockerKeys.recovery) else { return policy }
        if let value = reader.bool(section, DockerKeys.enabled) { policy.enabled = value }
        if let value = reader.duration(section, DockerKeys.afterOpen) { policy.afterOpen = value }
        policy.afterFailures = reader.int(section, DockerKeys.afterFailures)
        if let value = reader.duration(section, DockerKeys.drainTimeout) { policy.drainTimeout = value }
        if let value = reader.duration(section, DockerKeys.stopTimeout) { policy.stopTimeout = value }
        if let value = reader.int(section, DockerKeys.maxRestarts) { policy.maxRestarts = value }
        if let value = reader.duration(section, DockerKeys.restartWindow) { policy.restartWindow = value }
        if let value = reader.bool(section, DockerKeys.recreate) { policy.recreate = value }
        if let value = reader.int(section, DockerKeys.maxInFlight) { policy.maxInFlight = value }
        if let backoff = reader.section(section, DockerKeys.backoff) {
            let initial = reader.duration(backoff, DockerKeys.initial) ?? policy.backoff.base
            let max = reader.duration(backoff, DockerKeys.max) ?? policy.backoff.cap
            let jitter = reader.double(backoff, DockerKeys.jitter) ?? policy.backoff.jitter
            if max < initial {
                reader.report(backoff[DockerKeys.max] ?? backoff.node, backoff.path("max"), "must be at least backoff.initial (\(initial.shortDescription))")
            }
            policy.backoff = Backoff(base: initial, cap: max, jitter: jitter)
        }
        return policy
    }
}
