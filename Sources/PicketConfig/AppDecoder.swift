import PicketCore
import Yams

/// Reads one entry of `apps:`, with `defaults:` filled in underneath it.
struct AppDecoder {
    static let policies = Dictionary(uniqueKeysWithValues: AllDownPolicy.allCases.map { ($0.rawValue, $0) })

    let reader: NodeReader
    let baseDirectory: String
    /// The names of `docker.engines`, which an app's `docker.engine` may name.
    var engines: Set<DockerEngineName> = []

    func decode(_ node: Node, _ path: String, defaults: Section?) -> AppSpec? {
        guard let section = reader.section(node, path, AppKeys.section) else { return nil }
        func merged(_ key: ConfigKey) -> Node? {
            switch (defaults?[key], section[key]) {
            case (let base?, let own?): return base.overlaid(by: own)
            case (let base, let own): return own ?? base
            }
        }
        guard let nameNode = section[AppKeys.name] else {
            reader.report(node, path, "an app needs a name (it becomes the nginx upstream name)")
            return nil
        }
        var name: AppName?
        if let text = reader.string(nameNode, section.path("name")) {
            do { name = try AppName(validating: text) } catch { reader.report(nameNode, section.path("name"), error.description) }
        }
        let context = decodeContext(reader.section(section, AppKeys.nginx))
        let check = HealthCheckDecoder(reader: reader, baseDirectory: baseDirectory).decode(
            merged(AppKeys.healthCheck), section.path("health_check"), own: section[AppKeys.healthCheck], context: context)
        let circuit = CircuitDecoder(reader: reader).decode(merged(AppKeys.circuitBreaker), section.path("circuit_breaker"))
        let pairs = AppKeys.shared.compactMap { key in merged(key).map { (Node(key.name), $0) } }
        let shared = decodeShared(Section(mapping: Node.Mapping(pairs), path: path, node: node))
        let dockerDecoder = DockerDecoder(reader: reader, engines: engines)
        let docker = dockerDecoder.decodeSource(section[AppKeys.docker], section.path("docker"), app: name)
        if docker == nil, let own = section[AppKeys.recovery] {
            reader.report(own, section.path("recovery"), "recovery heals containers: it needs a docker: section in the same app")
        }
        let instances: [InstanceSpec]?
        if docker != nil, section[AppKeys.instances] == nil || section[AppKeys.instances]?.sequence?.isEmpty == true {
            instances = []
        } else {
            instances = decodeInstances(section[AppKeys.instances], section.path("instances"), owner: node, balance: shared.balance)
        }
        if context == .stream { checkStreamSyntax(section, shared) }
        guard let name, let instances else { return nil }
        return AppSpec(
            name: name, instances: instances, healthCheck: check, circuit: circuit, balance: shared.balance, keepalive: shared.keepalive,
            maxFails: shared.maxFails, failTimeout: shared.failTimeout, whenAllDown: shared.whenAllDown, docker: docker, recovery: shared.recovery,
            slowStart: shared.slowStart, passive: shared.passive, context: context)
    }

    private func decodeContext(_ nginx: Section?) -> NginxContext {
        guard let nginx else { return .http }
        return reader.choice(nginx, AppNginxKeys.context).flatMap(NginxContext.init(rawValue:)) ?? .http
    }

    /// What the stream module has no syntax for. A `keepalive` from `defaults:` is dropped quietly (it
    /// is meant for the http apps); one the app writes itself is a mistake worth saying.
    private func checkStreamSyntax(_ section: Section, _ shared: Shared) {
        if !shared.balance.worksInStream {
            reader.report(section[AppKeys.balance] ?? section[AppKeys.nginx], section.path("balance"), "nginx's stream module has no ip_hash: use 'hash $remote_addr consistent'")
        }
        if let keepalive = section[AppKeys.keepalive] {
            reader.report(keepalive, section.path("keepalive"), "keepalive is an http directive: a stream upstream has no connection cache")
        }
    }

    /// Checks the values `defaults:` gives, under their own key path, before any app uses them.
    func validateDefaults(_ defaults: Section) {
        _ = HealthCheckDecoder(reader: reader, baseDirectory: baseDirectory).decode(defaults[AppKeys.healthCheck], defaults.path("health_check"), own: nil)
        _ = CircuitDecoder(reader: reader).decode(defaults[AppKeys.circuitBreaker], defaults.path("circuit_breaker"))
        _ = decodeShared(defaults)
    }

    /// The plain keys an app may take from `defaults:`.
    private struct Shared {
        var balance: Balance
        var keepalive: Int?
        var maxFails: Int
        var failTimeout: Duration
        var whenAllDown: AllDownPolicy
        var recovery: RecoveryPolicy
        var slowStart: Duration?
        var passive: PassiveSpec
    }

    private func decodeShared(_ section: Section) -> Shared {
        Shared(
            balance: decodeBalance(section[AppKeys.balance], section.path("balance")) ?? .roundRobin,
            keepalive: reader.int(section, AppKeys.keepalive),
            maxFails: reader.int(section, AppKeys.maxFails) ?? 1,
            failTimeout: reader.duration(section, AppKeys.failTimeout) ?? .seconds(10),
            whenAllDown: reader.choice(section, AppKeys.whenAllDown).flatMap { Self.policies[$0] } ?? .failOpen,
            recovery: DockerDecoder(reader: reader).decodeRecovery(section[AppKeys.recovery], section.path("recovery")),
            slowStart: reader.duration(section, AppKeys.slowStart),
            passive: PassiveDecoder(reader: reader).decode(section[AppKeys.passive], section.path("passive")))
    }

    private func decodeBalance(_ node: Node?, _ path: String) -> Balance? {
        guard let text = reader.string(node, path) else { return nil }
        let words = text.split(separator: " ").map(String.init)
        switch words.first {
        case "round_robin" where words.count == 1: return .roundRobin
        case "least_conn" where words.count == 1: return .leastConn
        case "ip_hash" where words.count == 1: return .ipHash
        case "random" where words.count == 1: return .random(twoLeastConn: false)
        case "random" where words == ["random", "two", "least_conn"]: return .random(twoLeastConn: true)
        case "hash" where (2...3).contains(words.count) && (words.count == 2 || words[2] == "consistent"):
            do {
                return .hash(key: try HashKey(validating: words[1]), consistent: words.count == 3)
            } catch {
                reader.report(node, path, error.description)
                return nil
            }
        default:
            reader.report(node, path, "expected round_robin, least_conn, ip_hash, 'hash KEY [consistent]', random or 'random two least_conn', got '\(text)'")
            return nil
        }
    }

    private func decodeInstances(_ node: Node?, _ path: String, owner: Node, balance: Balance) -> [InstanceSpec]? {
        guard let node else {
            reader.report(owner, path, "an app needs at least one instance (or a docker: section to discover them)")
            return nil
        }
        guard let items = reader.list(node, path) else { return nil }
        if items.isEmpty { reader.report(node, path, "an app needs at least one instance") }
        var instances: [InstanceSpec] = []
        var failed = false
        var seen: Set<ServerAddress> = []
        for (index, item) in items.enumerated() {
            let itemPath = "\(path)[\(index)]"
            guard let instance = decodeInstance(item, itemPath) else {
                failed = true
                continue
            }
            if !seen.insert(instance.address).inserted {
                reader.report(item, itemPath, "duplicate instance \(instance.address)")
                failed = true
            }
            if instance.backup, balance.keepsPositions {
                reader.report(item, join(itemPath, "backup"), "nginx does not allow backup servers with \(balance)")
                failed = true
            }
            instances.append(instance)
        }
        if !instances.isEmpty, instances.allSatisfy(\.backup) {
            reader.report(node, path, "at least one instance must not be a backup")
            failed = true
        }
        return failed || instances.isEmpty ? nil : instances
    }

    private func decodeInstance(_ node: Node, _ path: String) -> InstanceSpec? {
        if node.scalar != nil {
            return address(node, path).map { InstanceSpec(address: $0) }
        }
        guard let section = reader.section(node, path, InstanceKeys.section) else { return nil }
        guard let addressNode = section[InstanceKeys.address] else {
            reader.report(node, path, "an instance needs an address")
            return nil
        }
        let weight = reader.int(section, InstanceKeys.weight) ?? 1
        let backup = reader.bool(section, InstanceKeys.backup) ?? false
        let drain = reader.bool(section, InstanceKeys.drain) ?? false
        return address(addressNode, section.path("address")).map { InstanceSpec(address: $0, weight: weight, backup: backup, drain: drain) }
    }

    private func address(_ node: Node, _ path: String) -> ServerAddress? {
        guard let text = reader.string(node, path) else { return nil }
        do {
            return try ServerAddress(validating: text)
        } catch {
            reader.report(node, path, error.description)
            return nil
        }
    }
}
