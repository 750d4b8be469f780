import Foundation
import PicketTestSupport
import Testing

@Suite(.serialized) struct ControlLoopTests {
    @Test func ejectsAStoppedBackendFromTheFileAndFromTrafficThenReadmitsIt() async throws {
        try await Stack.with { try await ejectAndReadmit($0) }
    }

    func ejectAndReadmit(_ stack: Stack) async throws {
        #expect(try await stack.startPicketThenNginx(), "picket wrote the first file, nginx started, every backend got a verdict")
        #expect(await eventually(timeout: .seconds(2)) { Set(await stack.routed()) == ["backend a", "backend b", "backend c"] })
        #expect(stack.nginx.reloadCount == 0, "a first round that confirms the file on disk must not reload nginx")
        let released = await eventually(timeout: .seconds(2)) { stack.logContains("once the start-up code and free heap are given back") }
        #expect(released, "start-up memory is given back after the first round's apply")
        let figures = stack.log.first { $0.contains("resident memory after start-up") }.map(Self.mebibytes) ?? []
        #expect(figures.count == 2 && figures[1] < figures[0], "resident memory fell: \(figures); what follows runs on the code mapped back")

        let b = stack.backends[1]
        try await b.stop()
        let interval = Duration.milliseconds(500), failureThreshold = 2
        let ejected = await eventually(timeout: interval * failureThreshold + .seconds(1)) { !stack.nginx.output.contains(b.address) }
        #expect(ejected, "within interval × failure_threshold + 1 s the stopped backend is gone from the file")
        #expect(await eventually(timeout: .seconds(2)) { Set(await stack.routed(12)) == ["backend a", "backend c"] }, "nginx no longer sends it traffic")
        #expect(stack.nginx.reloadCount == 1)
        #expect(await eventually(timeout: .seconds(2)) { stack.logContains("upstream web - \(b.address) (down: 2× refused)") }, "\(stack.log.filter { $0.contains("upstream") })")

        try await b.start()
        #expect(await eventually(timeout: .seconds(3)) { stack.nginx.output.contains(b.address) })
        #expect(await eventually(timeout: .seconds(2)) { (await stack.routed()).contains("backend b") })
        #expect(await eventually(timeout: .seconds(2)) { stack.logContains("upstream web + \(b.address) (passed 1×)") })
        #expect(stack.nginx.reloadCount == 2)

        try await Task.sleep(for: .seconds(2))
        #expect(stack.nginx.reloadCount == 2, "steady health must not reload nginx")
    }

    @Test func aTemplateThatRendersInvalidConfigNeverReachesNginx() async throws {
        let badTemplate = "{{% CONTENT_TYPE: TEXT}}\nupstream {{name}} {\n{{#servers}}    server {{address}} not_a_parameter;\n{{/servers}}}\n"
        try await Stack.with(templateText: badTemplate) { try await invalidRenderStaysOut($0) }
    }

    func invalidRenderStaysOut(_ stack: Stack) async throws {
        let good = "upstream web {\n" + stack.backends.map { "    server \($0.address);\n" }.joined() + "}\n"
        try good.write(toFile: stack.nginx.outputPath, atomically: true, encoding: .utf8)
        try await stack.nginx.start()
        try stack.startPicket()
        #expect(await eventually(timeout: .seconds(5)) { stack.logContains("upstream apply failed at validate") })
        #expect(stack.logContains("invalid parameter \"not_a_parameter\""))
        #expect(stack.nginx.output == good, "the live file is untouched")
        #expect(stack.nginx.reloadCount == 0)
        #expect(Set(await stack.routed()) == ["backend a", "backend b", "backend c"], "nginx keeps serving")
    }

    @Test func anAppNginxRejectsKeepsItsLastServersAndTheOtherAppsGoOn() async throws {
        let other = "\n  - name: other\n    health_check: {enabled: false}\n    instances: [127.0.0.1:9]\n"
        try await Stack.with(moreApps: other) { stack in
            #expect(try await stack.startPicketThenNginx())
            #expect(stack.nginx.output.contains("upstream other {"))
            let original = try String(contentsOfFile: stack.configPath, encoding: .utf8)
            try original.replacingOccurrences(of: "instances: [127.0.0.1:9]", with: "instances: [127.0.0.1:9, no-such-host.invalid:80]")
                .write(toFile: stack.configPath, atomically: true, encoding: .utf8)
            kill(getpid(), SIGHUP)
            #expect(await eventually(timeout: .seconds(5)) { stack.logContains("upstream other rejected by nginx") }, "\(stack.log.suffix(5))")
            #expect(stack.logContains("host not found in upstream"))
            let b = stack.backends[1]
            try await b.stop()
            #expect(await eventually(timeout: .seconds(3)) { !stack.nginx.output.contains(b.address) }, "web's change is applied without waiting on other")
            #expect(!stack.nginx.output.contains("no-such-host"), "other keeps its last accepted servers")
            #expect(stack.nginx.output.contains("server 127.0.0.1:9 "))
            #expect(!stack.logContains("upstream apply will be retried"), "no backoff: the rejected app is set aside at once")
            #expect(await eventually(timeout: .seconds(2)) { Set(await stack.routed()) == ["backend a", "backend c"] })
        }
    }

    @Test func staticAppsAreManagedWhenTheDockerEngineIsUnreachableFromTheStart() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("picket-nodocker-\(UUID().uuidString.prefix(8))").path
        let containers = "\n  - name: api\n    docker: {selector: {picket.app: api}, port: 8080}\n"
        try await Stack.with(settings: "docker: {socket: \(root)/docker.sock}\n", moreApps: containers) { stack in
            try stack.startPicket()
            #expect(await eventually(timeout: .seconds(5)) { FileManager.default.fileExists(atPath: stack.nginx.outputPath) })
            try await stack.nginx.start()
            #expect(await eventually(timeout: .seconds(15)) { stack.logContains("first round of checks complete") },
                "the first round does not wait on an engine that never answers")
            #expect(stack.logContains("docker: no container listing yet; the first round goes on without one for api"))
            let b = stack.backends[1]
            try await b.stop()
            #expect(await eventually(timeout: .seconds(3)) { !stack.nginx.output.contains(b.address) }, "the static app follows health")
            #expect(await eventually(timeout: .seconds(2)) { Set(await stack.routed()) == ["backend a", "backend c"] })
        }
    }

    @Test func sighupReloadRefusesABadConfigAndKeepsRunning() async throws {
        try await Stack.with { try await reloadOnSighup($0) }
    }

    func reloadOnSighup(_ stack: Stack) async throws {
        #expect(try await stack.startPicketThenNginx(), "picket wrote the first file, nginx started, every backend got a verdict")
        let original = try String(contentsOfFile: stack.configPath, encoding: .utf8)
        try original.replacingOccurrences(of: "interval: 500ms", with: "interval: soon").write(toFile: stack.configPath, atomically: true, encoding: .utf8)
        kill(getpid(), SIGHUP)
        #expect(await eventually(timeout: .seconds(3)) { stack.logContains("config rejected, keeping the running one") })
        #expect(stack.logContains("health_check.interval: expected a duration"))

        let drained = original.replacingOccurrences(of: "instances: [\(stack.backends[0].address),", with: "instances: [{address: \"\(stack.backends[0].address)\", drain: true},")
        try drained.write(toFile: stack.configPath, atomically: true, encoding: .utf8)
        kill(getpid(), SIGHUP)
        #expect(await eventually(timeout: .seconds(3)) { !stack.nginx.output.contains(stack.backends[0].address) })
        #expect(await eventually(timeout: .seconds(2)) { stack.logContains("upstream web - \(stack.backends[0].address) (drained)") })
        #expect(await eventually(timeout: .seconds(2)) { Set(await stack.routed()) == ["backend b", "backend c"] })
    }

    @Test func whenEveryBackendFailsTheUpstreamKeepsItsServersAndSaysSo() async throws {
        try await Stack.with { try await allDownFailsOpen($0) }
    }

    func allDownFailsOpen(_ stack: Stack) async throws {
        #expect(try await stack.startPicketThenNginx(), "picket wrote the first file, nginx started, every backend got a verdict")
        for backend in stack.backends { try await backend.stop() }
        #expect(await eventually(timeout: .seconds(4)) { stack.nginx.output.contains("# every backend failed its checks: fail_open") })
        #expect(stack.logContains("upstream web has no healthy backend: keeping every instance"))
        let output = stack.nginx.output
        #expect(stack.backends.allSatisfy { output.contains("server \($0.address) ") }, "nginx never gets an empty upstream")

        try await stack.backends[2].start()
        #expect(await eventually(timeout: .seconds(3)) { !stack.nginx.output.contains("fail_open") })
        #expect(stack.logContains("upstream web has a healthy backend again"))
        #expect(await eventually(timeout: .seconds(2)) { Set(await stack.routed()) == ["backend c"] })
    }

    /// The MiB figures in a log line, in order.
    static func mebibytes(_ line: String) -> [Int] {
        line.matches(of: /(\d+) MiB/).compactMap { Int($0.output.1) }
    }
}
