import PicketCore
import Yams

/// Reads the top-level `docker:` section and an app's `docker:` and `recovery:` sections.
struct DockerDecoder {
    let reader: NodeReader
    /// The names of `docker.engines`, for an app's `docker.engine`.
    var engines: Set<DockerEngineName> = []

    /// The engine's settings; `first_listing_wait` goes to the controller, which is what waits.
    func decodeSettings(_ node: Node?, baseDirectory: String, controller: inout ControllerSettings) -> DockerSettings {
        var settings = DockerSettings()
        guard let section = reader.section(node, "docker", DockerKeys.engine) else { return settings }
        settings.host = host(section, baseDirectory: baseDirectory)
        settings.tls = tls(section, DockerKeys.tls, baseDirectory: baseDirectory)
        settings.engines = namedEngines(section, baseDirectory: baseDirectory)
        if let value = reader.duration(section, DockerKeys.callTimeout) { settings.callTimeout = value }
        if let value = reader.duration(section, DockerKeys.resyncInterval) { settings.resyncInterval = value }
        if let value = reader.duration(section, DockerKeys.firstListingWait) { controller.firstListingWait = value }
        return settings
    }

    /// `host:` (unix:// or tcp://) or `socket:` (a unix socket's path); the table allows one of them.
    private func host(_ section: Section, baseDirectory: String) -> DockerHost? {
        guard let key = [DockerKeys.host, DockerKeys.socket].first(where: { section[$0] != nil }), let text = reader.string(section, key) else { return nil }
        if key.name == DockerKeys.socket.name, text.contains("://"), !text.hasPrefix("unix://") {
            reader.report(section[key], section.path(key.name), "'\(text)': socket is a unix socket's path; a tcp:// engine goes in docker.host (with docker.tls)")
            return nil
        }
        do {
            return try DockerHost(parsing: text, baseDirectory: baseDirectory)
        } catch {
            reader.report(section[key], section.path(key.name), error.description)
            return nil
        }
    }

    /// `tls:`, a directory in Docker's layout, each of its three files a readable PEM file.
    private func tls(_ section: Section, _ key: ConfigKey, baseDirectory: String) -> DockerTLS? {
        guard let text = reader.string(section, key) else { return nil }
        let tls = DockerTLS(certPath: text.hasPrefix("/") ? text : "\(baseDirectory)/\(text)")
        for (file, block) in [(tls.caFile, "CERTIFICATE"), (tls.clientCertificate, "CERTIFICATE"), (tls.clientKey, "PRIVATE KEY")] {
            if let problem = PEMFile.problem(at: file, holding: block) {
                reader.report(section[key], section.path(key.name), "\(file): \(problem)")
            }
        }
        return tls
    }

    /// `engines:`, each with a unique name and a host; a tcp:// one needs its TLS directory.
    private func namedEngines(_ parent: Section, baseDirectory: String) -> [DockerEngineName: DockerEngine] {
        var engines: [DockerEngineName: DockerEngine] = [:]
        for (index, item) in (reader.list(parent[DockerKeys.engines], parent.path("engines")) ?? []).enumerated() {
            let path = "\(parent.path("engines"))[\(index)]"
            guard let section = reader.section(item, path, DockerKeys.namedEngine) else { continue }
            guard let name = reader.string(section, DockerKeys.engineName), let text = reader.string(section, DockerKeys.engineHost) else {
                for key in [DockerKeys.engineName, DockerKeys.engineHost] where section[key] == nil {
                    reader.report(item, section.path(key.name), "an engine needs a \(key.name)")
                }
                continue
            }
            let engineName = DockerEngineName(name)
            if engineName == .default || (try? AppName(validating: name)) == nil {
                reader.report(section[DockerKeys.engineName], section.path("name"), "'\(name)': letters, digits, _ - . and not 'default' (the engine of docker.host)")
            } else if engines[engineName] != nil {
                reader.report(section[DockerKeys.engineName], section.path("name"), "duplicate engine name '\(name)'")
            }
            let host: DockerHost
            do {
                host = try DockerHost(parsing: text, baseDirectory: baseDirectory)
            } catch {
                reader.report(section[DockerKeys.engineHost], section.path("host"), error.description)
                continue
            }
            let tls = tls(section, DockerKeys.engineTLS, baseDirectory: baseDirectory)
            if case .tcp = host, tls == nil {
                reader.report(section[DockerKeys.engineHost], section.path("host"),
                    "a tcp:// engine needs tls: a directory with ca.pem, cert.pem and key.pem (the API without TLS gives root on that host)")
            }
            engines[engineName] = DockerEngine(host: host, tls: tls)
        }
        return engines
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
        if let name = reader.string(section, DockerKeys.appEngine) {
            source.engine = DockerEngineName(name)
            if source.engine != .default, !engines.contains(source.engine) {
                let known = ([DockerEngineName.default] + engines.sorted()).map(\.description)
                reader.report(section[DockerKeys.appEngine], section.path("engine"),
                    "no engine '\(name)' in docker.engines (\(known.joined(separator: ", ")))\(Suggestion.hint(for: name, in: known))")
            }
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
