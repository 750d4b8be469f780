import Foundation
import NIOCore
import NIOPosix
import PicketCore
import PicketRender
import PicketTestSupport
import Testing

/// nginx/lua/picket.lua in a real nginx (one worker, so its round robin is exact), fed by hand the sets
/// Picket would push: weights, backups, least_conn, and stamps that no longer match the file.
@Suite(.serialized) struct LuaBalancerTests {
    /// A lua-mode nginx over backends a, b and c, with the file rendered from `file`.
    static func with(balance: Balance = .roundRobin, _ body: (NginxPrefix, [ScriptedBackend], UpstreamSet) async throws -> Void) async throws {
        let nginx = try NginxPrefix(port: freePort(), nextUpstream: "error timeout", lua: true)
        var backends: [ScriptedBackend] = []
        for name in ["a", "b", "c"] { backends.append(try await ScriptedBackend(name: name, group: MultiThreadedEventLoopGroup.singleton)) }
        let spec = AppSpec(
            name: try AppName(validating: "web"), instances: try backends.map { InstanceSpec(address: try ServerAddress(validating: $0.address)) }, balance: balance)
        let file = UpstreamSet.assumingHealthy([spec])
        try UpstreamRenderer.builtIn.render(file, mode: .lua).write(toFile: nginx.outputPath, atomically: true, encoding: .utf8)
        do {
            try await nginx.start()
            try await body(nginx, backends, file)
        } catch {
            await nginx.stop()
            throw error
        }
        await nginx.stop()
        for backend in backends { try? await backend.stop() }
    }

    /// `file` with each server's weight and backup flag as given; servers not named are out.
    static func set(_ file: UpstreamSet, _ servers: [String: (weight: Int, backup: Bool)], backends: [ScriptedBackend]) -> UpstreamSet {
        var set = file
        set.upstreams[0].servers = file.upstreams[0].servers.compactMap { server in
            guard let name = backends.first(where: { $0.address == server.address.description })?.name, let wanted = servers[name] else { return nil }
            var changed = server
            changed.weight = wanted.weight
            changed.backup = wanted.backup
            return changed
        }
        return set
    }

    static func push(_ nginx: NginxPrefix, _ document: LuaDocument) async throws {
        let response = try await LuaModeTests.sync(nginx, .POST, body: document.json)
        #expect(response.status == 200, "\(response.text)")
    }

    static func counts(_ routed: [String]) -> [String: Int] {
        routed.reduce(into: [:]) { $0[$1, default: 0] += 1 }
    }

    @Test func weightsAndBackupsAreHonouredAndAStaleStampLeavesNginxItsOwnServers() async throws {
        try await Self.with { nginx, backends, file in
            #expect(Self.counts(await nginx.routed(6)) == ["backend a": 2, "backend b": 2, "backend c": 2], "no set yet: the file's servers")
            try await Self.push(nginx, LuaDocument(desired: Self.set(file, ["a": (3, false), "b": (1, false)], backends: backends), live: file))
            #expect(Self.counts(await nginx.routed(8)) == ["backend a": 6, "backend b": 2])
            try await Self.push(nginx, LuaDocument(desired: Self.set(file, ["a": (1, true), "c": (1, false)], backends: backends), live: file))
            #expect(Self.counts(await nginx.routed(4)) == ["backend c": 4], "a backup waits while a primary serves")
            try await backends[2].stop()
            #expect(Self.counts(await nginx.routed(4)) == ["backend a": 4], "a request c refuses is retried on the backup")
            try await Self.push(nginx, LuaDocument(desired: Self.set(file, ["a": (1, true)], backends: backends), live: file))
            #expect(Self.counts(await nginx.routed(3)) == ["backend a": 3], "only the backup is left: it serves")
            var other = file
            other.upstreams[0].servers.removeLast()
            try await backends[2].start()
            try await Self.push(nginx, LuaDocument(desired: Self.set(file, ["a": (1, false)], backends: backends), live: other))
            #expect(Self.counts(await nginx.routed(6)) == ["backend a": 2, "backend b": 2, "backend c": 2], "a set stamped for other lines is ignored")
        }
    }

    @Test func leastConnSendsNewRequestsAwayFromABusyServer() async throws {
        try await Self.with(balance: .leastConn) { nginx, backends, file in
            let all = Self.set(file, ["a": (1, false), "b": (1, false), "c": (1, false)], backends: backends)
            try await Self.push(nginx, LuaDocument(desired: all, live: file))
            backends[1].behaviour = .delay(.seconds(2), status: 200, body: "backend b\n")
            var first: [Task<[String], Never>] = []
            for _ in 0..<3 {
                first.append(Task { await nginx.routed(1) })
                try await Task.sleep(for: .milliseconds(150))
            }
            let routed = await nginx.routed(8)
            #expect(!routed.contains("backend b") && Self.counts(routed) == ["backend a": 4, "backend c": 4], "b is busy: \(routed)")
            var answered: [String] = []
            for task in first { answered += await task.value }
            #expect(answered.filter { $0 == "backend b" }.count == 1, "one of the first requests took b, in turn: \(answered)")
        }
    }
}
