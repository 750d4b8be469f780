import Foundation
import NIOPosix
import PicketNginx
import PicketTestSupport
import Testing

/// `kill -9` in the middle of applies, then a start; and a pid file that names a stranger. The real
/// binary, a real nginx, real backends.
@Suite(.serialized) struct InterruptedApplyTests {
    /// Files an interrupted apply leaves: the staged candidate beside the output, the staged main config.
    static func litter(_ nginx: NginxPrefix) -> [String] {
        let picket = (try? FileManager.default.contentsOfDirectory(atPath: "\(nginx.root)/conf/picket")) ?? []
        let conf = (try? FileManager.default.contentsOfDirectory(atPath: "\(nginx.root)/conf")) ?? []
        return picket.filter { $0.hasPrefix(".upstreams.conf.picket-") } + conf.filter { $0.contains(".nginx.conf.picket-staged") }
    }

    @Test func killedDuringAppliesThenStartedLeavesNoLitter() async throws {
        let nginx = try NginxPrefix(port: freePort())
        let backends = [try await ScriptedBackend(name: "a", group: MultiThreadedEventLoopGroup.singleton),
            try await ScriptedBackend(name: "b", group: MultiThreadedEventLoopGroup.singleton)]
        let config = "\(nginx.root)/picket.yaml"
        let slowTest = "sleep 0.2; exec \(NginxPrefix.binary) -p \(nginx.root) -q -t -c \"$0\""
        try """
            nginx:
              main_config: \(nginx.confPath)
              output: \(nginx.outputPath)
              test_command: [/bin/sh, -c, '\(slowTest)', "{config}"]
              pid_file: \(nginx.pidPath)
              coalesce: {quiet: 10ms, max: 50ms}
            status: {enabled: false}
            state: {enabled: false}
            apps:
              - name: web
                health_check: {interval: 100ms, timeout: 80ms, failure_threshold: 1, success_threshold: 1}
                circuit_breaker: {failure_threshold: 1000}
                instances: [\(backends.map(\.address).joined(separator: ", "))]
            """.write(toFile: config, atomically: true, encoding: .utf8)
        let keep = ["\(nginx.root)/conf/picket/.upstreams.conf.keep", "\(nginx.root)/conf/picket/notes.picket-abcdef", "\(nginx.root)/conf/.nginx.conf.bak"]
        for path in keep { try "mine\n".write(toFile: path, atomically: false, encoding: .utf8) }
        let flapping = Task {
            var up = true
            while !Task.isCancelled {
                up.toggle()
                backends[1].behaviour = .answer(status: up ? 200 : 500, body: "b\n")
                try? await Task.sleep(for: .milliseconds(350))
            }
        }
        var first = try ChildProcess.picket(["run", "--config", config], logPath: "\(nginx.root)/picket-0.log")
        #expect(await eventually(timeout: .seconds(10)) { FileManager.default.fileExists(atPath: nginx.outputPath) })
        try await nginx.start()
        first.kill()
        var interrupted = 0
        var seen: Set<String> = []
        for round in 1...12 {
            first = try ChildProcess.picket(["run", "--config", config], logPath: "\(nginx.root)/picket-\(round).log")
            let staged = await eventually(timeout: .seconds(5), every: .milliseconds(2)) { !Self.litter(nginx).isEmpty }
            try await Task.sleep(for: .milliseconds(40 * (round % 4)))
            first.kill()
            if staged { interrupted += 1 }
            seen.formUnion(Self.litter(nginx).map { $0.hasPrefix(".upstreams.conf.picket-") ? ".upstreams.conf.picket-XXXXXX" : $0 })
        }
        flapping.cancel()
        backends[1].behaviour = .answer(status: 200, body: "b\n")
        let left = Self.litter(nginx)
        #expect(interrupted >= 8 && !left.isEmpty, "kills landed mid-apply: \(interrupted) of 12, litter \(left)")
        #expect(seen.isSuperset(of: [".upstreams.conf.picket-XXXXXX", ".nginx.conf.picket-staged"]), "kills at each stage: \(seen)")

        let last = try ChildProcess.picket(["run", "--config", config], logPath: "\(nginx.root)/picket-last.log")
        #expect(await eventually(timeout: .seconds(10)) { last.logContains("picket started") })
        #expect(last.logContains("files an interrupted apply left behind"), "\(last.log)")
        #expect(await eventually(timeout: .seconds(5)) { last.logContains("first round of checks complete") })
        try await Task.sleep(for: .seconds(1))
        #expect(await eventually(timeout: .seconds(5)) { Self.litter(nginx).isEmpty }, "a start leaves no litter: \(Self.litter(nginx))")
        #expect(keep.allSatisfy { FileManager.default.fileExists(atPath: $0) }, "files that only look alike are not Picket's")
        let valid = await CommandRunner.run([NginxPrefix.binary, "-p", nginx.root, "-q", "-t", "-c", nginx.confPath], timeout: .seconds(10))
        #expect(valid.succeeded, "\(valid.summary)")
        print("interrupted applies: \(interrupted) of 12 kill -9 landed mid-apply, leaving \(seen.sorted()); the last left \(left.count) files, removed by the next start")
        await last.stop()
        await nginx.stop()
        for backend in backends { try? await backend.stop() }
    }

    /// A real `kill -9` between the two renames of an http and a stream file: the binary runs under
    /// strace, which holds every rename back 300 ms on entry, and is killed once the first file of the
    /// pair is in place. The next start must find the journal and finish the pair.
    @Test func killedBetweenTheRenamesOfAnHttpAndAStreamFileTheNextStartFinishesThePair() async throws {
        try await StreamAppTests.Deployment.with { deployment in
            let nginx = deployment.nginx
            let first = try ChildProcess.picket(["run", "--config", deployment.configPath], logPath: "\(nginx.root)/picket-first.log")
            #expect(await eventually(timeout: .seconds(10)) { FileManager.default.fileExists(atPath: nginx.streamOutputPath) })
            try await nginx.start()
            #expect(await eventually(timeout: .seconds(10)) { first.logContains("first round of checks complete") })
            await first.stop()
            let old = (http: nginx.output, stream: deployment.streamFile)
            let (web2, b) = (deployment.webs[1].address, deployment.echoes[1].address)
            #expect(old.http.contains("server \(web2) ") && old.stream.contains("server \(b) "))

            try deployment.config(drained: true).write(toFile: deployment.configPath, atomically: true, encoding: .utf8)
            let rename = "rename,renameat,renameat2"
            let traced = try ChildProcess(
                ["strace", "-f", "-qq", "-o", "/dev/null", "-e", "trace=\(rename)", "-e", "inject=\(rename):delay_enter=300000", ChildProcess.binary, "run",
                 "--config", deployment.configPath], logPath: "\(nginx.root)/picket-traced.log")
            let journal = "\(nginx.root)/conf/picket/.upstreams.conf.picket-swap"
            let halfway = await eventually(timeout: .seconds(30), every: .milliseconds(2)) {
                FileManager.default.fileExists(atPath: journal) && nginx.output != old.http
            }
            let children = (try? String(contentsOfFile: "/proc/\(traced.pid)/task/\(traced.pid)/children", encoding: .utf8)) ?? ""
            for child in children.split(separator: " ").compactMap({ pid_t($0) }) { kill(child, SIGKILL) }
            await traced.stop()
            #expect(halfway, "\(traced.log)")
            #expect(!nginx.output.contains("server \(web2) "), "the http file is the new one")
            #expect(deployment.streamFile == old.stream, "the stream file is still the old one: a mixed pair, with its journal")
            #expect(FileManager.default.fileExists(atPath: journal))
            let reloads = nginx.reloadCount

            let last = try ChildProcess.picket(["run", "--config", deployment.configPath], logPath: "\(nginx.root)/picket-last.log")
            #expect(await eventually(timeout: .seconds(10)) { last.logContains("finished the swap an interrupted apply left half done") }, "\(last.log)")
            #expect(!deployment.streamFile.contains("server \(b) "), "the pair is whole: the new stream file joined the new http file")
            #expect(!FileManager.default.fileExists(atPath: journal))
            #expect(await eventually(timeout: .seconds(5)) { nginx.reloadCount > reloads })
            let valid = await CommandRunner.run([NginxPrefix.binary, "-p", nginx.root, "-q", "-t", "-c", nginx.confPath], timeout: .seconds(10))
            #expect(valid.succeeded, "\(valid.summary)")
            #expect(await eventually(timeout: .seconds(5)) { Set(deployment.answers(4)) == ["a ping"] }, "nginx's new workers route by the new pair")
            await last.stop()
        }
    }

    @Test func aStalePidFileNeverMakesPicketSignalAStrangerAndReadinessSaysWhy() async throws {
        let stranger = try ChildProcess(["/bin/sleep", "60"], logPath: "/dev/null")
        let deployment = try await Deployment(
            backends: 2, behaviour: .answer(status: 200, body: "ok\n"), check: "{interval: 1s, timeout: 900ms, failure_threshold: 2}"
        ) { nginx in try "\(stranger.pid)\n".write(toFile: nginx.pidPath, atomically: true, encoding: .utf8) }
        let (picket, api, b) = (deployment.picket, deployment.api, deployment.backends[1])
        #expect(await eventually(timeout: .seconds(10)) { (try? await api.send(.GET, "/readyz"))?.status == 200 })
        try await b.stop()
        let notReady = await eventually(timeout: .seconds(15)) {
            guard let answer = try? await api.send(.GET, "/readyz") else { return false }
            return answer.status == 503 && answer.text.contains("applies failed") && answer.text.contains("is not an nginx master but '/bin/sleep 60'")
        }
        #expect(notReady, "\(picket.log)")
        #expect(picket.logContains("not signalled"))
        #expect(stranger.isRunning, "SIGHUP would have ended sleep: the stranger was never signalled")
        #expect(!picket.logContains("nginx reloaded"))

        stranger.kill()
        try await deployment.nginx.start()
        #expect(await eventually(timeout: .seconds(70)) { (try? await api.send(.GET, "/readyz"))?.status == 200 }, "ready again once applies work")
        #expect(!deployment.nginx.output.contains(b.address))
        await deployment.shutdown()
    }
}
