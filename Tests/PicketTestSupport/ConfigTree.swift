import PicketConfig

/// A config file as a tree that tests edit key by key, then write out as YAML text. Scalars are
/// written exactly as given, so a test can put anything a hostile file could hold (tags, anchors,
/// flow collections, quoted control characters) at any key.
public indirect enum ConfigTree: Sendable {
    case scalar(String)
    case map([(String, ConfigTree)])
    case list([ConfigTree])

    /// One step of a key path: a key of a mapping, or an item of a list.
    public enum Step: Hashable, Sendable, CustomStringConvertible {
        case key(String)
        case index(Int)

        public var description: String {
            switch self {
            case .key(let name): return name
            case .index(let index): return "[\(index)]"
            }
        }
    }

    /// The key path as diagnostics write it: `apps[0].health_check.interval`.
    public static func keyPath(_ steps: [Step]) -> String {
        steps.enumerated().map { offset, step in
            if case .key = step, offset > 0 { return ".\(step)" }
            return step.description
        }.joined()
    }

    /// This tree with the value at `steps` replaced (or added, creating mappings on the way).
    public func setting(_ steps: [Step], to value: ConfigTree) -> ConfigTree {
        guard let step = steps.first else { return value }
        let rest = Array(steps.dropFirst())
        switch (self, step) {
        case (.map(let pairs), .key(let name)):
            if let index = pairs.firstIndex(where: { $0.0 == name }) {
                var copy = pairs
                copy[index].1 = pairs[index].1.setting(rest, to: value)
                return .map(copy)
            }
            return .map(pairs + [(name, ConfigTree.map([]).setting(rest, to: value))])
        case (.list(let items), .index(let index)) where items.indices.contains(index):
            var copy = items
            copy[index] = items[index].setting(rest, to: value)
            return .list(copy)
        case (_, .key(let name)):
            return .map([(name, ConfigTree.map([]).setting(rest, to: value))])
        case (.list(let items), .index):
            return .list(items + [ConfigTree.map([]).setting(rest, to: value)])
        case (_, .index):
            return .list([ConfigTree.map([]).setting(rest, to: value)])
        }
    }

    /// This tree without the value at `steps`.
    public func removing(_ steps: [Step]) -> ConfigTree {
        guard let step = steps.first else { return self }
        let rest = Array(steps.dropFirst())
        switch (self, step) {
        case (.map(let pairs), .key(let name)):
            return .map(rest.isEmpty ? pairs.filter { $0.0 != name } : pairs.map { ($0.0, $0.0 == name ? $0.1.removing(rest) : $0.1) })
        case (.list(let items), .index(let index)) where items.indices.contains(index):
            if rest.isEmpty { return .list(items.enumerated().filter { $0.offset != index }.map(\.element)) }
            var copy = items
            copy[index] = items[index].removing(rest)
            return .list(copy)
        default:
            return self
        }
    }

    /// Block-style YAML.
    public var yaml: String { lines(indent: 0).joined(separator: "\n") + "\n" }

    private func lines(indent: Int) -> [String] {
        let pad = String(repeating: " ", count: indent)
        switch self {
        case .scalar(let text):
            return [pad + text]
        case .map(let pairs):
            return pairs.flatMap { key, value -> [String] in
                switch value {
                case .scalar(let text): return ["\(pad)\(key): \(text)"]
                case .map(let inner) where inner.isEmpty: return ["\(pad)\(key): {}"]
                case .list(let inner) where inner.isEmpty: return ["\(pad)\(key): []"]
                default: return ["\(pad)\(key):"] + value.lines(indent: indent + 2)
                }
            }
        case .list(let items):
            return items.flatMap { item -> [String] in
                let inner = item.lines(indent: indent + 2)
                guard let first = inner.first else { return [] }
                return ["\(pad)- " + first.dropFirst(indent + 2)] + inner.dropFirst()
            }
        }
    }
}

/// Where every key of `ConfigSchema` sits in a config built on `ConfigTree.fullBase`.
public struct KeyPlacement: Sendable {
    public let steps: [ConfigTree.Step]
    public let key: ConfigKey
    /// The section the key belongs to.
    public let section: ConfigSection

    public var keyPath: String { ConfigTree.keyPath(steps) }

    /// Every key of every section, each at one concrete place: list sections at their first item,
    /// keys that need a Docker app (`docker:`, `recovery:`) and an app's keys of gRPC and TLS checks
    /// (`tls:`, `grpc_service`) in the second app.
    public static var all: [KeyPlacement] {
        var found: [KeyPlacement] = []
        func visit(_ section: ConfigSection, at steps: [ConfigTree.Step]) {
            for key in section.keys {
                var here = steps + [.key(key.name)]
                if here.first == .key("apps"), here.count == 3, key.name == "docker" || key.name == "recovery" { here[1] = .index(1) }
                if here.first == .key("apps"), here.count > 3, here[2] == .key("health_check"), [.key("tls"), .key("grpc_service")].contains(here[3]) {
                    here[1] = .index(1)
                }
                found.append(KeyPlacement(steps: here, key: key, section: section))
                switch key.kind {
                case .section(let nested): visit(nested, at: here)
                case .sections(let nested): visit(nested, at: here + [.index(0)])
                default: break
                }
            }
        }
        visit(ConfigSchema.root, at: [])
        return found
    }
}

extension ConfigTree {
    /// A valid config that has a place for every key: an app with instances written as mappings, a gRPC
    /// app over TLS that discovers containers, and a webhook. `output` is where the upstream file would go.
    public static func fullBase(output: String = "/tmp/picket-upstreams.conf") -> ConfigTree {
        .map([
            ("nginx", .map([("output", .scalar(output)), ("main_config", .scalar("/nonexistent/picket-test/nginx.conf"))])),
            ("alerts", .map([("webhooks", .list([.map([("url", .scalar("http://127.0.0.1:9/hook"))])]))])),
            ("apps", .list([
                .map([("name", .scalar("web")), ("instances", .list([.map([("address", .scalar("127.0.0.1:8001"))]), .scalar("127.0.0.1:8002")]))]),
                .map([
                    ("name", .scalar("api")), ("docker", .map([("port", .scalar("8080"))])), ("recovery", .map([("max_restarts", .scalar("3"))])),
                    ("health_check", .map([("type", .scalar("grpc")), ("tls", .map([("verify", .scalar("true"))]))])),
                ]),
            ])),
        ])
    }
}
