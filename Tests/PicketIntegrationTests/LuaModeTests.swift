import Foundation
import NIOHTTP1
import NIOPosix
import PicketHTTPClient
import PicketRuntime
import PicketTestSupport
import Testing

/// `nginx.mode: lua` against a real nginx with Debian's Lua module (two workers) and real backends:
/// membership changes reach every worker without a reload, the set survives an nginx restart, a
/// refused push falls back to the file, and the sync endpoint takes nothing but valid sets from Picket.
@Suite(.serialized) struct LuaModeTests {
    static let client = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Scripts/keepalive_client.py").path

    /// Counts of a keep-alive client run: bodies answered 200, failures and their first reasons.
    struct Load: Decodable {
        let bodies: [String: Int]
        let failed: Int
        let opened: Int
        let reasons: [String]
    }

    /// Runs the keep-alive client against nginx while `body` runs.
    static func underLoad(_ nginx: NginxPrefix, connections: Int = 8, _ body: () async throws -> Void) async throws -> Load {
        let stop = "\(nginx.root)/stop-client"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = [client, "\(nginx.port)", "\(connections)", stop]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        do {
            try await body()
        } catch {
            _ = FileManager.default.createFile(atPath: stop, contents: nil)
            process.waitUntilExit()
            throw error
        }
        _ = FileManager.default.createFile(atPath: stop, contents: nil)
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return try JSONDecoder().decode(Load.self, from: output)
    }

    /// A request to the sync endpoint, as Picket or anyone on the socket would send it.
    static func sync(_ nginx: NginxPrefix, _ method: HTTPMethod = .GET, body: String? = nil, token: String? = NginxPrefix.luaSecret) async throws -> HTTPResponse {
        let transport = HTTPTransport(endpoint: .unix(path: nginx.luaSocketPath), group: MultiThreadedEventLoopGroup.singleton)
        let headers = token.map { [("X-Picket-Token", $0.trimmingCharacters(in: .whitespacesAndNewlines))] } ?? []
        return try await transport.send(method, "/picket/sync", body: body.map { Array($0.utf8) }, headers: headers, timeout: .seconds(2))
    }

    static func heldGeneration(_ nginx: NginxPrefix) async -> String? {
        guard let response = try? await sync(nginx), response.status == 200 else { return nil }
        return (try? JSONSerialization.jsonObject(with: Data(response.body)) as? [String: String])?["generation"]
    }

    @Test func aBackendStoppedAndStartedUnderKeepAliveLoadLeavesAndRejoinsThroughLuaWithoutAReload() async throws {
        try await Stack.with(lua: true) { stack in
            #expect(try await stack.startPicketThenNginx())
            let b = stack.backends[1]
            #expect(await eventually(timeout: .seconds(3)) { await Self.heldGeneration(stack.nginx)?.isEmpty == false }, "the first round pushed its set")
            let before = try #require(stack.nginx.processes)
            #expect(before.workers.count == 2)
            let load = try await Self.underLoad(stack.nginx) {
                try await Task.sleep(for: .milliseconds(500))
                try await b.stop()
                #expect(await eventually(timeout: .seconds(5)) { stack.logContains("upstream web - \(b.address)") })
                #expect(await eventually(timeout: .seconds(2)) { stack.logContains("upstream applied through lua") })
                func tries() -> Int {
                    let log = (try? String(contentsOfFile: "\(stack.nginx.root)/logs/error.log", encoding: .utf8)) ?? ""
                    return log.components(separatedBy: "upstream: \"http://\(b.address)/").count - 1
                }
                let triedBefore = tries()
                #expect(triedBefore > 0, "traffic met b refusing before Picket took it out")
                try await Task.sleep(for: .milliseconds(500))
                #expect(tries() == triedBefore, "no worker tries b any more")
                let served = b.requestsServed
                try await b.start()
                #expect(await eventually(timeout: .seconds(5)) { stack.logContains("upstream web + \(b.address)") })
                #expect(await eventually(timeout: .seconds(2)) { b.requestsServed > served + 20 }, "back in rotation")
            }
            #expect(load.failed == 0, "\(load.reasons)")
            #expect((load.bodies["backend b"] ?? 0) > 0 && (load.bodies["backend a"] ?? 0) > 100 && (load.bodies["backend c"] ?? 0) > 100, "\(load.bodies)")
            #expect(load.opened == 8, "no kept-alive connection was closed")
            #expect(stack.nginx.reloadCount == 0)
            let after = try #require(stack.nginx.processes)
            #expect(after.master == before.master && after.workers == before.workers, "the same master and workers")
            #expect(!stack.nginx.output.contains("down;"), "the file was not rewritten for the change")
        }
    }

    @Test func slowStartRampsARejoiningBackendThroughLuaWithoutAReload() async throws {
        try await Stack.with(settings: "defaults: {slow_start: 2s}\n", lua: true) { stack in
            #expect(try await stack.startPicketThenNginx())
            let b = stack.backends[1]
            try await b.stop()
            #expect(await eventually(timeout: .seconds(5)) { stack.logContains("upstream web - \(b.address)") })
            try await b.start()
            #expect(await eventually(timeout: .seconds(8)) { stack.logContains("backend web/\(b.address) slow start done: full weight") })
            #expect(stack.log.filter { $0.contains("slow start: ") }.count == 2, "steps 2/4 and 3/4 after joining at 1/4")
            #expect(await eventually(timeout: .seconds(2)) { stack.picket.count("upstream applied through lua") == 5 }, "out, in at 1/4, 2/4, 3/4, full weight")
            #expect(stack.nginx.reloadCount == 0, "\(stack.log.filter { $0.contains("upstream") })")
            #expect(Set(await stack.routed(6)) == ["backend a", "backend b", "backend c"])
        }
    }

    @Test func anNginxRestartedUnderPicketGetsTheSetBack() async throws {
        try await Stack.with(lua: true) { stack in
            #expect(try await stack.startPicketThenNginx())
            let b = stack.backends[1]
            try await b.stop()
            #expect(await eventually(timeout: .seconds(5)) { stack.logContains("upstream applied through lua") })
            let wanted = try #require(await Self.heldGeneration(stack.nginx))
            try await stack.nginx.halt()
            #expect(await eventually(timeout: .seconds(5)) { !FileManager.default.fileExists(atPath: stack.nginx.pidPath) })
            try await stack.nginx.start()
            let started = ContinuousClock.now
            #expect(await eventually(timeout: .seconds(3), every: .milliseconds(10)) { await Self.heldGeneration(stack.nginx) == wanted })
            let took = ContinuousClock.now - started
            print("lua: set back in nginx \(took) after its restart (check_interval 100ms)")
            if took > .seconds(1) { print(stack.log.suffix(30).joined(separator: "\n")) }
            #expect(await eventually(timeout: .seconds(2)) { stack.logContains("pushed the set again") }, "the log says why")
            #expect(await stack.routed(6).allSatisfy { $0 == "backend a" || $0 == "backend c" })
        }
    }

    /// The value of one series in a /metrics text, e.g. `picket_reloads_total{result="ok"}`.
    static func value(_ series: String, in metrics: String) -> Double? {
        metrics.split(separator: "\n").first { $0.hasPrefix(series + " ") }.flatMap { Double($0.split(separator: " ")[1]) }
    }

    @Test func aRefusedPushFallsBackToTheFileAndAReloadAndSaysSoOnce() async throws {
        let status = freePort()
        try await Stack.with(settings: "status: {listen: 127.0.0.1:\(status)}\n", lua: true) { stack in
            #expect(try await stack.startPicketThenNginx())
            #expect(await eventually(timeout: .seconds(3)) { await Self.heldGeneration(stack.nginx)?.isEmpty == false })
            // nginx read the secret when it started; Picket reads it at each push and now sends another.
            try "another-secret-of-enough-length\n".write(toFile: stack.nginx.luaSecretPath, atomically: true, encoding: .utf8)
            let b = stack.backends[1]
            try await b.stop()
            #expect(await eventually(timeout: .seconds(5)) { stack.logContains("through the file, as the lua push failed") })
            #expect(stack.log.filter { $0.contains("ERROR") && $0.contains("lua: push to the sync endpoint failed") }.count == 1, "logged once")
            // nginx logs the reload signal when its master gets to it, a moment after Picket sent it.
            #expect(await eventually(timeout: .seconds(3)) { stack.nginx.reloadCount == 1 })
            #expect(stack.nginx.output.contains("weight") && !stack.nginx.output.contains(b.address))
            #expect(await stack.routed(6).allSatisfy { $0 == "backend a" || $0 == "backend c" })
            let metrics = try await HTTPGet.get(port: status, path: "/metrics", group: MultiThreadedEventLoopGroup.singleton).body
            #expect((Self.value(#"picket_lua_pushes_total{result="ok"}"#, in: metrics) ?? 0) >= 1, "the first round's push")
            #expect((Self.value(#"picket_lua_pushes_total{result="failed"}"#, in: metrics) ?? 0) >= 1)
            #expect(Self.value(#"picket_reloads_total{result="ok"}"#, in: metrics) == 1, "the fallback's reload")
            #expect(stack.nginx.reloadCount == 1, "one reload, no more")
        }
    }

    @Test func aHostilePayloadToTheSyncEndpointChangesNothing() async throws {
        try await Stack.with(lua: true) { stack in
            #expect(try await stack.startPicketThenNginx())
            #expect(await eventually(timeout: .seconds(3)) { await Self.heldGeneration(stack.nginx)?.isEmpty == false })
            let held = try #require(await Self.heldGeneration(stack.nginx))
            let stamp = try #require(stack.nginx.output.firstMatch(of: /balance\("web", "([0-9a-f]+)"\)/)?.1)
            func set(_ peers: String, generation: String = "0bad") -> String {
                #"{"generation":"\#(generation)","upstreams":{"web":{"stamp":"\#(stamp)","method":"round_robin","peers":[\#(peers)]}}}"#
            }
            let hostile = [
                "not json", "[]", #"{"generation":"0bad"}"#, set(#"{"address":"evil.example:80","weight":1,"backup":false}"#),
                set(#"{"address":"127.0.0.1:1","weight":0,"backup":false}"#), set(#"{"address":"127.0.0.1:1","weight":1.5,"backup":false}"#),
                set(#"{"address":"127.0.0.1:99999","weight":1,"backup":false}"#), set(#"{"address":"127.0.0.1:1","weight":1}"#),
                set(#"{"address":"127.0.0.1:1","weight":1,"backup":false},{"address":"127.0.0.1:1","weight":1,"backup":false}"#),
                set(#"{"address":"127.0.0.1:1","weight":1,"backup":false}"#, generation: "'; drop"),
                #"{"generation":"0bad","upstreams":{"we b":{"stamp":"00","method":"round_robin","peers":[]}}}"#,
                #"{"generation":"0bad","upstreams":{"web":{"stamp":"00","method":"hash","peers":[]}}}"#,
            ]
            for body in hostile {
                let response = try await Self.sync(stack.nginx, .POST, body: body)
                #expect(response.status == 400, "\(body): \(response.status) \(response.text)")
            }
            let unsigned = try await Self.sync(stack.nginx, .POST, body: set(#"{"address":"127.0.0.1:1","weight":1,"backup":false}"#), token: nil)
            #expect(unsigned.status == 403)
            let forged = try await Self.sync(stack.nginx, .POST, body: set(#"{"address":"127.0.0.1:1","weight":1,"backup":false}"#), token: "guess")
            #expect(forged.status == 403)
            #expect(await Self.heldGeneration(stack.nginx) == held, "nothing was stored")
            let routed = await stack.routed(9)
            #expect(Set(routed) == ["backend a", "backend b", "backend c"], "\(routed)")
        }
    }

    @Test func aLuaConfigWithoutItsSecretOrWithATemplateThatWritesNoBalancerIsRefusedWhereItIsWritten() throws {
        let nginx = try NginxPrefix(port: freePort(), lua: true)
        defer { try? FileManager.default.removeItem(atPath: nginx.root) }
        let config = "\(nginx.root)/picket.yaml"
        func load(secret: String, template: String? = nil) throws -> [String] {
            try (nginx.picketSection(template: template, more: ["mode: lua", "lua: {socket: \(nginx.luaSocketPath), secret_file: \(secret)}"])
                + "apps:\n  - name: web\n    instances: [127.0.0.1:8001]\n").write(toFile: config, atomically: true, encoding: .utf8)
            do {
                _ = try RuntimeSetup.load(path: config)
                return []
            } catch {
                return error.lines
            }
        }
        #expect(try load(secret: nginx.luaSecretPath).isEmpty)
        let missing = try load(secret: "\(nginx.root)/absent.secret")
        #expect(missing.count == 1 && missing[0].contains("nginx.lua.secret_file") && missing[0].contains("cannot read the shared secret"), "\(missing)")
        try "short\n".write(toFile: "\(nginx.root)/short.secret", atomically: true, encoding: .utf8)
        #expect(try load(secret: "\(nginx.root)/short.secret").first?.contains("fewer than 16 characters") == true)
        let template = "\(nginx.root)/plain.mustache"
        try "upstream {{name}} {\n{{#servers}}    server {{address}};\n{{/servers}}}\n".write(toFile: template, atomically: true, encoding: .utf8)
        let plain = try load(secret: nginx.luaSecretPath, template: template)
        #expect(plain.count == 1 && plain[0].contains("nginx.template") && plain[0].contains("{{#lua}}"), "\(plain)")
    }
}
