import Foundation
import NIOPosix
import PicketNginx
import PicketTestSupport
import Testing

/// A backend that comes back is readmitted as fast as a dead one leaves: bounded by probes, never by a
/// circuit's blackout, also across a restart of Picket. Real nginx, real backends.
@Suite(.serialized) struct ReadmissionTests {
    static let health = "{path: /health, interval: 1s, timeout: 500ms, failure_threshold: 2, success_threshold: 2}"
    /// interval × success_threshold + 1 s, the bound the health model promises after any outage.
    static let bound = Duration.seconds(1) * 2 + .seconds(1)

    @Test func aBackendStoppedForTenSecondsServesAgainWithinTheBound() async throws {
        try await Stack.with(health: Self.health) { stack in
            #expect(try await stack.startPicketThenNginx())
            let b = stack.backends[1]
            try await b.stop()
            #expect(await eventually(timeout: .seconds(4)) { !stack.nginx.output.contains(b.address) })
            try await Task.sleep(for: .seconds(10))
            #expect(stack.logContains("backend web/\(b.address) circuit closed → open"), "the outage outlasted the circuit's threshold")
            try await b.start()
            let back = ContinuousClock.now
            #expect(await eventually(timeout: Self.bound) { stack.nginx.output.contains(b.address) }, "in the file again")
            #expect(await eventually(timeout: Self.bound - (ContinuousClock.now - back)) { (await stack.routed(6)).contains("backend b") },
                "served through nginx within interval × success_threshold + 1 s of its return")
        }
    }

    @Test func aBackendRememberedDownAcrossAKillIsReadmittedWithinTheBoundWhenItReturns() async throws {
        let nginx = try NginxPrefix(port: freePort())
        var backends: [ScriptedBackend] = []
        for name in ["a", "b", "c"] { backends.append(try await ScriptedBackend(name: name, group: MultiThreadedEventLoopGroup.singleton)) }
        let b = backends[1]
        let config = "\(nginx.root)/picket.yaml"
        try (nginx.picketSection() + """
            state: {path: \(nginx.root)/state.db}
            apps:
              - name: web
                health_check: \(Self.health)
                instances: [\(backends.map(\.address).joined(separator: ", "))]
            """).write(toFile: config, atomically: true, encoding: .utf8)
        var picket = try ChildProcess.picket(["run", "--config", config], logPath: "\(nginx.root)/picket-1.log")
        defer {
            picket.kill()
        }
        #expect(await eventually(timeout: .seconds(5)) { FileManager.default.fileExists(atPath: nginx.outputPath) })
        try await nginx.start()
        try await Task.sleep(for: .seconds(3))
        try await b.stop()
        #expect(await eventually(timeout: .seconds(4)) { !nginx.output.contains(b.address) })
        try await Task.sleep(for: .seconds(8))
        picket.kill()
        picket = try ChildProcess.picket(["run", "--config", config], logPath: "\(nginx.root)/picket-2.log")
        let log = { (try? String(contentsOfFile: "\(nginx.root)/picket-2.log", encoding: .utf8)) ?? "" }
        #expect(await eventually(timeout: .seconds(5)) { log().contains("1 out") }, "\(log())")
        try await Task.sleep(for: .seconds(2))
        try await b.start()
        #expect(await eventually(timeout: Self.bound) { nginx.output.contains(b.address) }, "\(log())")
        #expect(await eventually(timeout: .seconds(2)) { (await nginx.routed(6)).contains("backend b") })
        await nginx.stop()
        for backend in backends { try? await backend.stop() }
    }
}
