import Foundation
import Mustache
import PicketCore

/// Turns an `UpstreamSet` into nginx text: a fixed header, then one block per upstream rendered by a
/// mustache template whose context is that upstream.
///
/// Only validated values reach the template (addresses, names, numbers and nginx durations built by
/// Picket), and the `TEXT` content type means nothing is HTML-escaped. The same set always renders to
/// the same bytes, which is what lets the applier skip writes and reloads when nothing changed. Blocks
/// are cached by upstream value, so an apply re-renders only the upstreams that changed. The built-in
/// template (also when a config names a file with exactly its text) is rendered by `BuiltInBlock`
/// instead of swift-mustache: 10,000 server lines from scratch in milliseconds instead of 170 ms.
public struct UpstreamRenderer: Sendable {
    private let template: MustacheTemplate
    private let builtIn: Bool
    private let text: String
    private let cache = BlockCache()

    public static let header = "# Written by Picket from health checks. Do not edit: changes are overwritten.\n"

    /// `compiledBuiltIn: false` sends even the built-in template through swift-mustache (to compare the
    /// two).
    public init(text: String, name: String, compiledBuiltIn: Bool = true) throws(RenderError) {
        do {
            template = try MustacheTemplate(string: text)
        } catch let error as MustacheTemplate.ParserError {
            throw RenderError(name: name, line: error.context.lineNumber, column: error.context.columnNumber, detail: "\(error.error)")
        } catch {
            throw RenderError(name: name, line: 1, column: 1, detail: "\(error)")
        }
        builtIn = compiledBuiltIn && text == DefaultTemplate.text
        self.text = text
    }

    /// Whether the template writes the `{{#lua}}` section (the `balancer_by_lua_block` of lua mode).
    public var writesLuaBalancer: Bool {
        builtIn || text.contains("{{#lua}}")
    }

    /// The built-in template.
    public static let builtIn: UpstreamRenderer = try! UpstreamRenderer(text: DefaultTemplate.text, name: DefaultTemplate.name)

    /// `mode: .lua` gives each upstream the Lua balancer can carry a `balancer_by_lua_block`.
    public func render(_ set: UpstreamSet, mode: NginxMode = .reload) -> String {
        Self.file(blocks(set.upstreams, mode: mode))
    }

    /// One block per upstream, in order, reusing the blocks of the last call that did not change.
    func blocks(_ upstreams: [Upstream], mode: NginxMode) -> [String] {
        cache.blocks(for: upstreams, mode: mode) { builtIn ? BuiltInBlock.render($0, mode: mode) : template.render(Self.context($0, mode: mode)) }
    }

    /// The header, then each block after an empty line.
    static func file(_ blocks: [String]) -> String {
        var text = header
        text.reserveCapacity(blocks.reduce(header.utf8.count) { $0 + $1.utf8.count + 1 })
        for block in blocks {
            text += "\n"
            text += block
        }
        return text
    }

    static func context(_ upstream: Upstream, mode: NginxMode) -> [String: Any] {
        var context: [String: Any] = [
            "name": upstream.name.description,
            "servers": upstream.servers.map { server -> [String: Any] in
                [
                    "address": server.address.description, "weight": server.weight, "maxFails": server.maxFails,
                    "failTimeout": nginxTime(server.failTimeout), "backup": server.backup, "down": server.down,
                ]
            },
        ]
        if let stamp = luaStamp(upstream, mode: mode) {
            context["lua"] = ["stamp": stamp]
        } else if let directive = balanceDirective(upstream.balance) {
            context["balance"] = directive
        }
        if let keepalive = upstream.keepalive { context["keepalive"] = keepalive }
        if let policy = upstream.allDown?.policy { context["allDown"] = policy.rawValue }
        if upstream.allDown == .noContainers { context["noContainers"] = true }
        return context
    }

    /// The stamp of the `balancer_by_lua_block` this upstream gets, nil when it gets none. The Lua
    /// balancer then implements the balance method, so the block leaves nginx's own directive out.
    static func luaStamp(_ upstream: Upstream, mode: NginxMode) -> String? {
        mode == .lua && LuaBalancer.carries(upstream) ? LuaBalancer.stamp(upstream) : nil
    }

    static func balanceDirective(_ balance: Balance) -> String? {
        balance == .roundRobin ? nil : balance.description
    }

    /// `fail_timeout` in whole seconds: nginx parses it with second resolution and rejects `ms`.
    static func nginxTime(_ duration: Duration) -> String {
        let ns = duration.nanoseconds
        return "\(max(1, (ns + 999_999_999) / 1_000_000_000))s"
    }
}

/// The rendered block of each upstream of the last set, so the next render reuses unchanged ones. Keyed
/// by name and confirmed by equality (cheaper than hashing whole upstreams); only the latest set's
/// blocks are kept, which bounds memory to one file's worth.
private final class BlockCache: @unchecked Sendable {
    private let lock = NSLock()
    private var blocks: [AppName: (upstream: Upstream, text: String)] = [:]
    private var mode = NginxMode.reload

    func blocks(for upstreams: [Upstream], mode: NginxMode, render: (Upstream) -> String) -> [String] {
        lock.lock()
        defer { lock.unlock() }
        if mode != self.mode {
            blocks = [:]
            self.mode = mode
        }
        var fresh: [AppName: (upstream: Upstream, text: String)] = [:]
        fresh.reserveCapacity(upstreams.count)
        let texts = upstreams.map { upstream in
            let cached = blocks[upstream.name].flatMap { $0.upstream == upstream ? $0.text : nil }
            let text = cached ?? render(upstream)
            fresh[upstream.name] = (upstream, text)
            return text
        }
        blocks = fresh
        return texts
    }
}

/// A template that cannot be parsed, and where in it.
public struct RenderError: Error, Hashable, Sendable, CustomStringConvertible {
    public let name: String
    public let line: Int
    public let column: Int
    public let detail: String

    public var description: String { "\(name):\(line):\(column): \(detail)" }
}
