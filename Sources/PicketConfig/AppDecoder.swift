import PicketCore
import Yams

/// Reads one entry of `apps:`, with `defaults:` filled in underneath it.
struct AppDecoder {
    static let sharedKeys = ["health_check", "circuit_breaker", "balance", "keepalive", "max_fails", "fail_timeout", "when_all_down", "recovery", "slow_start"]
    static let keys = ["name", "instances", "docker"] + sharedKeys
    static let instanceKeys = ["address", "weight", "backup", "drain"]
    static let policies = Dictionary(uniqueKeysWithValues: AllDownPolicy.allCases.map { ($0.rawValue, $0) })

    let reader: NodeReader

    func decode(_ node: Node, _ path: String, defaults: Section?) -> AppSpec? {
        guard let section = reader.section(node, path, known: Self.keys) else { return nil }
        func merged(_ key: String) -> Node? {
            switch (defaults?[key], section[key]) {
            case (let base?, let own?): return base.overlaid(by: own)
            case (let base, let own): return own ?? base
            }
        }
        guard let nameNode = section["name"] else {
            reader.report(node, path, "an app needs a name (it becomes the nginx upstream name)")
            return nil
        }
        var name: AppName?
        if let text = reader.string(nameNode, section.path("name")) {
            do { name = try AppName(validating: text) } catch { reader.report(nameNode, section.path("name"), error.description) }
        }
        let check = HealthCheckDecoder(reader: reader).decode(merged("health_check"), section.path("health_check"))
        let circuitDecoder = CircuitDecoder(reader: reader)
        let circuit = circuitDecoder.decode(merged("circuit_breaker"), section.path("circuit_breaker"))
        circuitDecoder.checkProbeSpacing(circuit, check: check, node: merged("circuit_breaker") ?? node, path: section.path("circuit_breaker"))
        let balance = decodeBalance(merged("balance"), section.path("balance")) ?? .roundRobin
        let keepalive = reader.int(merged("keepalive"), section.path("keepalive"), in: 1...10_000)
        let maxFails = reader.int(merged("max_fails"), section.path("max_fails"), in: 0...1000) ?? 1
        let failTimeout = wholeSeconds(merged("fail_timeout"), section.path("fail_timeout")) ?? .seconds(10)
        let policy = reader.choice(merged("when_all_down"), section.path("when_all_down"), Self.policies) ?? .failOpen
        let slowStart = reader.duration(merged("slow_start"), section.path("slow_start"), minimum: .seconds(1))
        let dockerDecoder = DockerDecoder(reader: reader)
        let docker = dockerDecoder.decodeSource(section["docker"], section.path("docker"), app: name)
        let recovery = dockerDecoder.decodeRecovery(merged("recovery"), section.path("recovery"))
        if docker == nil, let own = section["recovery"] {
            reader.report(own, section.path("recovery"), "recovery heals containers: it needs a docker: section in the same app")
        }
        let instances: [InstanceSpec]?
        if docker != nil, section["instances"] == nil || section["instances"]?.sequence?.isEmpty == true {
            instances = []
        } else {
            instances = decodeInstances(section["instances"], section.path("instances"), owner: node, balance: balance)
        }
        guard let name, let instances else { return nil }
        return AppSpec(
            name: name, instances: instances, healthCheck: check, circuit: circuit, balance: balance, keepalive: keepalive,
            maxFails: maxFails, failTimeout: failTimeout, whenAllDown: policy, docker: docker, recovery: recovery, slowStart: slowStart)
    }

    /// Checks the values `defaults:` gives, under their own key path, before any app uses them.
    func validateDefaults(_ defaults: Section) {
        _ = HealthCheckDecoder(reader: reader).decode(defaults["health_check"], defaults.path("health_check"))
        _ = CircuitDecoder(reader: reader).decode(defaults["circuit_breaker"], defaults.path("circuit_breaker"))
        _ = decodeBalance(defaults["balance"], defaults.path("balance"))
        _ = reader.int(defaults["keepalive"], defaults.path("keepalive"), in: 1...10_000)
        _ = reader.int(defaults["max_fails"], defaults.path("max_fails"), in: 0...1000)
        _ = wholeSeconds(defaults["fail_timeout"], defaults.path("fail_timeout"))
        _ = reader.choice(defaults["when_all_down"], defaults.path("when_all_down"), Self.policies)
        _ = reader.duration(defaults["slow_start"], defaults.path("slow_start"), minimum: .seconds(1))
        _ = DockerDecoder(reader: reader).decodeRecovery(defaults["recovery"], defaults.path("recovery"))
    }

    /// nginx reads `fail_timeout` in whole seconds only.
    private func wholeSeconds(_ node: Node?, _ path: String) -> Duration? {
        guard let value = reader.duration(node, path, minimum: .seconds(1)) else { return nil }
        guard value.nanoseconds % 1_000_000_000 == 0 else {
            reader.report(node, path, "nginx takes fail_timeout in whole seconds, got \(value.shortDescription)")
            return nil
        }
        return value
    }

    private func decodeBalance(_ node: Node?, _ path: String) -> Balance? {
        guard let text = reader.string(node, path) else { return nil }
        let words = text.split(separator: " ").map(String.init)
        switch words.first {
        case "round_robin" where words.count == 1: return .roundRobin
        case "least_conn" where words.count == 1: return .leastConn
        case "ip_hash" where words.count == 1: return .ipHash
        case "hash" where (2...3).contains(words.count) && (words.count == 2 || words[2] == "consistent"):
            do {
                return .hash(key: try HashKey(validating: words[1]), consistent: words.count == 3)
            } catch {
                reader.report(node, path, error.description)
                return nil
            }
        default:
            reader.report(node, path, "expected round_robin, least_conn, ip_hash or 'hash KEY [consistent]', got '\(text)'")
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
        guard let section = reader.section(node, path, known: Self.instanceKeys) else { return nil }
        guard let addressNode = section["address"] else {
            reader.report(node, path, "an instance needs an address")
            return nil
        }
        let weight = reader.int(section["weight"], section.path("weight"), in: 1...1000) ?? 1
        let backup = reader.bool(section["backup"], section.path("backup")) ?? false
        let drain = reader.bool(section["drain"], section.path("drain")) ?? false
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
