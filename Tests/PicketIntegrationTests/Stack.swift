import Foundation
import NIOPosix
import PicketRuntime
import PicketTestSupport

/// A whole Picket deployment in one test: a real nginx in a prefix, three real backends on loopback,
/// and the controller running in-process with its log lines captured.
final class Stack: @unchecked Sendable {
    let nginx: NginxPrefix
    let backends: [ScriptedBackend]
    let picket: InProcessPicket
    var configPath: String { picket.configPath }

    /// Runs `body` against a fresh stack and always tears it down (nginx stopped, prefix removed).
    static let defaultHealth = "{path: /health, interval: 500ms, timeout: 300ms, failure_threshold: 2, success_threshold: 1}"

    /// `moreApps` is YAML for further entries of `apps:`, after `web`. `lua` runs Picket in
    /// `nginx.mode: lua` against an nginx with the Lua module,
    /// two workers and `proxy_next_upstream error timeout`.
    static func with(
        templateText: String? = nil, settings: String = "", health: String = defaultHealth, moreApps: String = "", lua: Bool = false,
        _ body: (Stack) async throws -> Void
    ) async throws {
        try await using(try await Stack(templateText: templateText, settings: settings, health: health, moreApps: moreApps, lua: lua), body) { await $0.shutdown() }
    }

    /// `settings` is YAML placed before `apps:` (e.g. a `status:` section).
    private init(templateText: String?, settings: String, health: String, moreApps: String, lua: Bool) async throws {
        nginx = lua ? try NginxPrefix(port: freePort(), nextUpstream: "error timeout", lua: true, workers: 2) : try NginxPrefix(port: freePort())
        var template: String?
        if let templateText {
            template = "\(nginx.root)/upstreams.mustache"
            try templateText.write(toFile: template!, atomically: true, encoding: .utf8)
        }
        var started: [ScriptedBackend] = []
        for name in ["a", "b", "c"] { started.append(try await ScriptedBackend(name: name, group: MultiThreadedEventLoopGroup.singleton)) }
        backends = started
        let configPath = "\(nginx.root)/picket.yaml"
        picket = InProcessPicket(configPath: configPath)
        let luaSection = ["mode: lua", "lua: {socket: \(nginx.luaSocketPath), secret_file: \(nginx.luaSecretPath), check_interval: 100ms}"]
        let yaml = nginx.picketSection(template: template, more: lua ? luaSection : []) + settings + """
            apps:
              - name: web
                health_check: \(health)
                instances: [\(started.map(\.address).joined(separator: ", "))]
            """ + moreApps
        try yaml.write(toFile: configPath, atomically: true, encoding: .utf8)
    }

    var log: [String] { picket.log }

    func logContains(_ text: String) -> Bool { picket.logContains(text) }

    func startPicket() throws { try picket.start() }

    /// Starts Picket, waits for the file it writes when none exists, starts nginx on it, and waits
    /// until every backend has its first verdict: the production start-up order.
    func startPicketThenNginx() async throws -> Bool {
        try startPicket()
        guard await eventually(timeout: .seconds(5), { FileManager.default.fileExists(atPath: nginx.outputPath) }) else { return false }
        try await nginx.start()
        return await eventually(timeout: .seconds(5)) { self.logContains("first round of checks complete") }
    }

    func routed(_ count: Int = 9) async -> [String] { await nginx.routed(count) }

    func shutdown() async {
        await picket.stop()
        await nginx.stop()
        for backend in backends { try? await backend.stop() }
    }
}
