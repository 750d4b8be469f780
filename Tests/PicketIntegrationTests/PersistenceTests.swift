import Foundation
import NIOPosix
import PicketNginx
import PicketTestSupport
import Testing

/// Picket's memory across a hard kill: the real binary, a real nginx, real backends.
@Suite(.serialized) struct PersistenceTests {
    @Test func aKilledPicketResumesOutAndDrainedBackendsWithoutReloadingNginx() async throws {
        let nginx = try NginxPrefix(port: freePort())
        var backends: [ScriptedBackend] = []
        for name in ["a", "b", "c"] { backends.append(try await ScriptedBackend(name: name, group: MultiThreadedEventLoopGroup.singleton)) }
        let (b, c) = (backends[1], backends[2])
        let port = freePort(), token = "persist-token-0123456789"
        let config = "\(nginx.root)/picket.yaml"
        try (nginx.picketSection() + """
            status: {listen: 127.0.0.1:\(port), token: \(token)}
            state: {path: \(nginx.root)/state.db}
            apps:
              - name: web
                health_check: {path: /health, interval: 500ms, timeout: 300ms, failure_threshold: 2}
                circuit_breaker: {failure_threshold: 100}
                instances: [\(backends.map(\.address).joined(separator: ", "))]
            """).write(toFile: config, atomically: true, encoding: .utf8)
        let api = StatusAPI(port: port)
        var picket = try PicketProcess(config: config, log: "\(nginx.root)/picket-1.log")
        defer {
            picket.kill()
        }
        #expect(await eventually(timeout: .seconds(5)) { FileManager.default.fileExists(atPath: nginx.outputPath) })
        try await nginx.start()
        #expect(await eventually(timeout: .seconds(5)) { (try? await api.send(.GET, "/readyz"))?.status == 200 })

        try await b.stop()
        #expect(await eventually(timeout: .seconds(3)) { !nginx.output.contains(b.address) })
        #expect(try await api.send(.POST, "/v1/apps/web/backends/\(c.address)/drain", token: token).status == 200)
        #expect(await eventually(timeout: .seconds(2)) { !nginx.output.contains(c.address) })
        try await Task.sleep(for: .milliseconds(1500))
        picket.kill()

        let reloads = nginx.reloadCount
        picket = try PicketProcess(config: config, log: "\(nginx.root)/picket-2.log")
        #expect(await eventually(timeout: .seconds(5)) { (try? await api.send(.GET, "/readyz"))?.status == 200 })
        try await Task.sleep(for: .seconds(2))
        let log = (try? String(contentsOfFile: "\(nginx.root)/picket-2.log", encoding: .utf8)) ?? ""
        #expect(log.contains("state resumed from \(nginx.root)/state.db: 3 backends remembered, 1 out, 1 drained by operator"), "\(log)")
        #expect(!nginx.output.contains(b.address) && !nginx.output.contains(c.address), "both still out after the restart")
        #expect(nginx.reloadCount == reloads, "nothing changed, so nginx was not reloaded")
        let drained = try await api.json(.GET, "/v1/apps/web/backends/\(c.address)")
        #expect(drained.object["drain"] as? String == "operator")

        let report = try await api.json(.GET, "/v1/apps/web/report?window=1h")
        #expect(report.status == 200)
        let total = report.object["total_checks"] as? Int ?? 0, failed = report.object["failed_checks"] as? Int ?? 0
        #expect(total > 20 && failed > 5, "checks of both runs are in the history: \(report.object)")
        #expect((report.object["errors"] as? [String: Int])?["refused"] == failed, "b's failures are all refused connections")
        #expect(try await api.json(.GET, "/v1/apps/web/report?window=soon").status == 400)
        #expect(try await api.json(.GET, "/v1/apps/nope/report").status == 404)
        let cli = await CommandRunner.run([CommandLineTests.binary, "report", "web", "--window", "1h", "--url", "http://127.0.0.1:\(port)"], timeout: .seconds(30))
        #expect(cli.succeeded && cli.output.contains("uptime:") && cli.output.contains("errors:        refused "), "\(cli.summary)")

        try await b.start()
        #expect(await eventually(timeout: .seconds(3)) { nginx.output.contains(b.address) }, "it returns once it passes")
        #expect(nginx.reloadCount == reloads + 1)
        picket.kill()
        await nginx.stop()
        for backend in backends { try? await backend.stop() }
    }
}

extension PersistenceTests {
    @Test func aCorruptDatabaseIsReportedAndPicketGoesOnFromMemory() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("picket-corrupt-\(UUID().uuidString.prefix(8)).db").path
        try String(repeating: "not a database ", count: 500).write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let port = freePort()
        try await Stack.with(settings: "status: {listen: 127.0.0.1:\(port)}\nstate: {path: \(path)}\n") { stack in
            #expect(try await stack.startPicketThenNginx())
            #expect(stack.logContains("state database \(path): ") && stack.logContains("running from memory"))
            let api = StatusAPI(port: port)
            let ready = try await api.send(.GET, "/readyz")
            #expect(ready.status == 200 && ready.text.contains("state database failing") && ready.text.contains("running from memory"), "\(ready.text)")
            #expect((try await api.send(.GET, "/metrics")).text.contains("picket_persistence_up 0"))
            let b = stack.backends[1]
            try await b.stop()
            #expect(await eventually(timeout: .seconds(3)) { !stack.nginx.output.contains(b.address) }, "nginx is still managed")
            #expect(try String(contentsOfFile: path, encoding: .utf8).hasPrefix("not a database"), "the file is left as it was")
        }
    }
}

/// The `picket run` binary as a child process, killed with SIGKILL (no chance to flush or clean up).
struct PicketProcess {
    let process = Process()

    init(config: String, log: String) throws {
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        let output = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        process.executableURL = URL(fileURLWithPath: CommandLineTests.binary)
        process.arguments = ["run", "--config", config]
        process.standardOutput = output
        process.standardError = output
        try process.run()
    }

    func kill() {
        guard process.isRunning else { return }
        Foundation.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }
}
