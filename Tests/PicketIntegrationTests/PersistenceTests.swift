import Foundation
import GRDB
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
        var picket = try ChildProcess.picket(["run", "--config", config], logPath: "\(nginx.root)/picket-1.log")
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
        picket = try ChildProcess.picket(["run", "--config", config], logPath: "\(nginx.root)/picket-2.log")
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
        // nginx logs the reload signal when its master gets to it, a moment after Picket sent it.
        #expect(await eventually(timeout: .seconds(3)) { nginx.reloadCount == reloads + 1 })
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

extension PersistenceTests {
    @Test func aDatabaseLockedAtStartIsOpenedOnARetry() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("picket-locked-\(UUID().uuidString.prefix(8)).db").path
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        let lock = try DatabaseLock(path: path)
        let port = freePort()
        try await Stack.with(settings: "status: {listen: 127.0.0.1:\(port)}\nstate: {path: \(path)}\n") { stack in
            try await retries(stack, api: StatusAPI(port: port), lock: lock, path: path)
        }
    }

    private func retries(_ stack: Stack, api: StatusAPI, lock: DatabaseLock, path: String) async throws {
        try stack.startPicket()
        #expect(await eventually(timeout: .seconds(10)) { FileManager.default.fileExists(atPath: stack.nginx.outputPath) }, "started after the 5 s busy wait")
        try await stack.nginx.start()
        let failing = await eventually(timeout: .seconds(5)) {
            guard let answer = try? await api.send(.GET, "/readyz") else { return false }
            return answer.status == 200 && answer.text.contains("state database failing")
        }
        #expect(failing, "ready, running from memory: \(stack.log)")
        lock.release()
        let opened = await eventually(timeout: .seconds(15)) { stack.logContains("state database opened on retry: \(path); 3 backends saved") }
        #expect(opened, "\(stack.log)")
        let ready = await eventually(timeout: .seconds(3)) { (try? await api.send(.GET, "/readyz"))?.text == "ready: first round complete, config applied\n" }
        #expect(ready)
        #expect((try await api.send(.GET, "/metrics")).text.contains("picket_persistence_up 1"))
        let saved = await eventually(timeout: .seconds(3)) { lock.savedBackends == 3 }
        #expect(saved, "every backend is written once the database opens")
    }
}

/// Another process's hold on a SQLite database: an exclusive transaction until `release()`.
final class DatabaseLock: @unchecked Sendable {
    private let pool: DatabasePool
    private let released = DispatchSemaphore(value: 0)

    init(path: String) throws {
        pool = try DatabasePool(path: path)
        let locked = DispatchSemaphore(value: 0)
        let (pool, released) = (pool, released)
        Thread {
            try? pool.writeWithoutTransaction { db in
                try db.execute(sql: "BEGIN EXCLUSIVE")
                locked.signal()
                released.wait()
                try db.execute(sql: "COMMIT")
            }
        }.start()
        locked.wait()
    }

    func release() { released.signal() }

    /// Rows in Picket's backend table (0 until it exists).
    var savedBackends: Int { (try? pool.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM backend_state") }) ?? 0 }
}
