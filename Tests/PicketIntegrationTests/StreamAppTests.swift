import Foundation
import NIOPosix
import PicketCore
@testable import PicketNginx
@testable import PicketRuntime
import PicketTestSupport
import Testing

/// A TCP app behind nginx's `stream {}` next to an http app: real nginx with the stream module, real
/// echo services and an HTTP backend on loopback, Picket in-process.
@Suite(.serialized) struct StreamAppTests {
    final class Deployment: @unchecked Sendable {
        let nginx: NginxPrefix
        let webs: [ScriptedBackend]
        var echoes: [EchoBackend]
        var picket: InProcessPicket
        var configPath: String { "\(nginx.root)/picket.yaml" }

        init() async throws {
            let streamPort = freePort()
            nginx = try NginxPrefix(port: freePort(), stream: (upstream: "cache", port: streamPort))
            webs = [
                try await ScriptedBackend(name: "web1", group: MultiThreadedEventLoopGroup.singleton),
                try await ScriptedBackend(name: "web2", group: MultiThreadedEventLoopGroup.singleton),
            ]
            echoes = [
                try await EchoBackend(name: "a", group: MultiThreadedEventLoopGroup.singleton),
                try await EchoBackend(name: "b", group: MultiThreadedEventLoopGroup.singleton),
            ]
            picket = InProcessPicket(configPath: "\(nginx.root)/picket.yaml")
            try config(drained: false).write(toFile: configPath, atomically: true, encoding: .utf8)
        }

        /// `drained` drains the http app's second instance and the stream app's `b` in one edit; `spare`
        /// adds an http app on the second web backend; `nginx` holds further keys of `nginx:`.
        func config(drained: Bool, spare: Bool = false, nginx more: [String] = []) -> String {
            nginx.picketSection(more: more) + """
                status: {enabled: false}
                state: {enabled: false}
                apps:
                  - name: web
                    health_check: {path: /health, interval: 200ms, timeout: 150ms, failure_threshold: 1}
                    instances: [\(webs[0].address), {address: "\(webs[1].address)", drain: \(drained)}]
                  - name: cache
                    nginx: {context: stream}
                    balance: least_conn
                    health_check: {interval: 200ms, timeout: 150ms, failure_threshold: 1}
                    instances: [\(echoes[0].address), {address: "\(echoes[1].address)", drain: \(drained)}]
                """ + (spare ? "\n  - {name: spare, health_check: {path: /health, interval: 200ms}, instances: [\(webs[1].address)]}\n" : "")
        }

        /// Runs `body` against a fresh deployment and always shuts it down.
        static func with(_ body: (Deployment) async throws -> Void) async throws {
            try await using(try await Deployment(), body) { await $0.shutdown() }
        }

        func start() async throws -> Bool {
            try picket.start()
            guard await eventually(timeout: .seconds(5), { FileManager.default.fileExists(atPath: self.nginx.streamOutputPath) }) else { return false }
            try await nginx.start()
            return await eventually(timeout: .seconds(5)) { self.picket.logContains("first round of checks complete") }
        }

        var streamFile: String { (try? String(contentsOfFile: nginx.streamOutputPath, encoding: .utf8)) ?? "" }

        /// Who answers `count` fresh connections through nginx's stream port.
        func answers(_ count: Int = 8) -> [String] {
            (0..<count).map { _ in exchangeLine(port: nginx.streamPort!) ?? "none" }
        }

        func shutdown() async {
            await picket.stop()
            await nginx.stop()
            for web in webs { try? await web.stop() }
            for echo in echoes { try? await echo.stop() }
        }
    }

    @Test func aStoppedStreamBackendLeavesTheStreamFileAndConnectionsThroughNginxReachOnlyTheOther() async throws {
        try await Deployment.with { deployment in
            #expect(try await deployment.start(), "\(deployment.picket.log)")
            let (a, b) = (deployment.echoes[0], deployment.echoes[1])
            #expect(deployment.streamFile.contains("server \(a.address) ") && deployment.streamFile.contains("server \(b.address) "))
            #expect(deployment.streamFile.contains("least_conn;") && !deployment.streamFile.contains("keepalive"))
            #expect(Set(deployment.answers()) == ["a ping", "b ping"], "least_conn spreads fresh connections over both")

            try await b.stop()
            #expect(await eventually(timeout: .seconds(5)) { !deployment.streamFile.contains("server \(b.address) ") }, "\(deployment.streamFile)")
            #expect(await eventually(timeout: .seconds(3)) { deployment.nginx.reloadCount >= 1 })
            #expect(await eventually(timeout: .seconds(5)) { Set(deployment.answers()) == ["a ping"] }, "every connection through nginx reaches the living backend")
            #expect(deployment.picket.logContains("upstream cache - \(b.address)"))
        }
    }

    @Test func anHttpAndAStreamChangeInOneEditAreOneReload() async throws {
        try await Deployment.with { deployment in
            #expect(try await deployment.start())
            try await Task.sleep(for: .milliseconds(500))
            let http = deployment.nginx.output, reloads = deployment.nginx.reloadCount
            try deployment.config(drained: true).write(toFile: deployment.configPath, atomically: true, encoding: .utf8)
            kill(getpid(), SIGHUP)
            let b = deployment.echoes[1].address
            #expect(await eventually(timeout: .seconds(5)) { !deployment.streamFile.contains("server \(b) ") && deployment.nginx.output != http })
            try await Task.sleep(for: .milliseconds(500))
            #expect(deployment.nginx.reloadCount == reloads + 1, "both files changed with one reload")
            #expect(await eventually(timeout: .seconds(5)) { Set(deployment.answers()) == ["a ping"] }, "nginx's new workers route by the new pair")
        }
    }

    /// `keepalive` is an http directive: nginx refuses it in a stream upstream.
    @Test func aStreamTemplateThatRendersInvalidConfigLeavesBothFilesAsTheyWere() async throws {
        try await Deployment.with { deployment in
            #expect(try await deployment.start())
            try await Task.sleep(for: .milliseconds(500))
            let before = [deployment.nginx.output, deployment.streamFile], reloads = deployment.nginx.reloadCount
            let template = "\(deployment.nginx.root)/stream.mustache"
            try "{{% CONTENT_TYPE: TEXT}}\nupstream {{name}} {\n{{#servers}}\n    server {{address}};\n{{/servers}}\n    keepalive 4;\n}\n"
                .write(toFile: template, atomically: true, encoding: .utf8)
            try deployment.config(drained: true, nginx: ["stream_template: \(template)"]).write(toFile: deployment.configPath, atomically: true, encoding: .utf8)
            kill(getpid(), SIGHUP)
            #expect(await eventually(timeout: .seconds(5)) { deployment.picket.logContains("config reloaded") })
            #expect(await eventually(timeout: .seconds(5)) { deployment.picket.count("upstream apply failed at validate") >= 2 }, "\(deployment.picket.log)")
            try await Task.sleep(for: .seconds(1))
            #expect([deployment.nginx.output, deployment.streamFile] == before, "the http change waits with the stream file: neither changes")
            #expect(deployment.nginx.reloadCount == reloads)
            #expect(deployment.picket.count("upstream apply failed at validate") < 8, "attempts back off: \(deployment.picket.count("upstream apply failed at validate"))")
            #expect(Set(deployment.answers()) == ["a ping", "b ping"], "nginx runs the last good pair")
        }
    }

    @Test func withAFilePerAppTheAppsAreIncludedInTheirContextAndAnAppThatGoesLosesItsFile() async throws {
        try await Deployment.with { deployment in
            let directory = "\(deployment.nginx.root)/conf/picket/apps"
            try deployment.config(drained: false, spare: true, nginx: ["output_per_app: \(directory)"])
                .write(toFile: deployment.configPath, atomically: true, encoding: .utf8)
            #expect(try await deployment.start(), "\(deployment.picket.log)")
            let files = Set((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [])
            #expect(files == ["web.conf", "spare.conf", "cache.conf"], "\(files)")
            #expect(deployment.streamFile.hasSuffix("include \(directory)/cache.conf;\n"))
            #expect(deployment.nginx.output.contains("include \(directory)/web.conf;\ninclude \(directory)/spare.conf;\n"))
            #expect(Set(deployment.answers()) == ["a ping", "b ping"], "nginx reads the stream app through its file")
            let reloads = deployment.nginx.reloadCount

            try deployment.config(drained: false, nginx: ["output_per_app: \(directory)"]).write(toFile: deployment.configPath, atomically: true, encoding: .utf8)
            kill(getpid(), SIGHUP)
            #expect(await eventually(timeout: .seconds(5)) { !FileManager.default.fileExists(atPath: "\(directory)/spare.conf") })
            #expect(!deployment.nginx.output.contains("spare"))
            try await Task.sleep(for: .milliseconds(300))
            #expect(deployment.nginx.reloadCount == reloads + 1)
            #expect(await deployment.nginx.routed(4).allSatisfy { $0.hasPrefix("backend web") }, "the http app still routes through its own file")
        }
    }

    @Test func aPairLeftHalfSwappedByAKillIsMadeWholeOnTheNextStart() async throws {
        try await Deployment.with { deployment in
            #expect(try await deployment.start())
            try await Task.sleep(for: .milliseconds(300))
            await deployment.picket.stop()
            let paths = [deployment.nginx.outputPath, deployment.nginx.streamOutputPath]
            let new = try paths.map { try String(contentsOfFile: $0, encoding: .utf8) }
            let old = new.map { text in text.split(separator: "\n", omittingEmptySubsequences: false).filter { !$0.contains("server 127.0.0.1:") || $0.contains(deployment.echoes[0].address) || $0.contains(deployment.webs[0].address) }.joined(separator: "\n") }
            #expect(old != new)
            for (path, text) in zip(paths, old) { try text.write(toFile: path, atomically: true, encoding: .utf8) }
            let applier = try RuntimeSetup.load(path: deployment.configPath).applier
            let moves = try zip(paths, new).map { (staged: try AtomicFile.stage(Array($1.utf8), besides: $0), live: $0) }
            try applier.journal.record(moves, removing: [])
            try AtomicFile.install(staged: moves[0].staged, at: moves[0].live)
            let reloads = deployment.nginx.reloadCount

            deployment.picket = InProcessPicket(configPath: deployment.configPath)
            try deployment.picket.start()
            #expect(await eventually(timeout: .seconds(5)) { deployment.picket.logContains("finished the swap an interrupted apply left half done") }, "\(deployment.picket.log)")
            #expect(try paths.map { try String(contentsOfFile: $0, encoding: .utf8) } == new, "the new pair, whole")
            #expect(await eventually(timeout: .seconds(3)) { deployment.nginx.reloadCount > reloads }, "nginx gets the reload the swap was for")
            let valid = await CommandRunner.run([NginxPrefix.binary, "-p", deployment.nginx.root, "-q", "-t", "-c", deployment.nginx.confPath], timeout: .seconds(10))
            #expect(valid.succeeded, "\(valid.summary)")
            #expect(Set(deployment.answers()) == ["a ping", "b ping"])
        }
    }

    @Test func aLineNginxBlamesInTheStreamFileRejectsTheStreamAppItSitsIn() throws {
        let http = OutputFile(path: "/p/upstreams.conf", role: .context(.http), text: "# h\n\nupstream web {\n    server 127.0.0.1:1;\n}\n")
        let stream = OutputFile(path: "/p/stream.conf", role: .context(.stream), text: "# h\n\nupstream redis {\n    server 127.0.0.1:2 bogus;\n}\n")
        let outputs = OutputSet(files: [http, stream], marker: "# h\n")
        func outcome(_ blamed: ApplyError.Blame?) -> ApplyOutcome {
            NginxApplier.Report(outcome: .failed(.validation("invalid parameter", blamed: blamed)), bytes: 0, files: 0, total: .zero)
                .coreOutcome(rendered: outputs)
        }
        #expect(outcome(ApplyError.Blame(file: "/p/stream.conf", line: 4)) == .rejected(app: try AppName(validating: "redis"), "invalid parameter"))
        #expect(outcome(ApplyError.Blame(file: "/p/upstreams.conf", line: 4)) == .rejected(app: try AppName(validating: "web"), "invalid parameter"))
        #expect(outcome(ApplyError.Blame(file: "/p/nginx.conf", line: 4)) == .failed("invalid parameter"), "a line outside Picket's files blames no app")
        #expect(outcome(nil) == .failed("nginx rejected the candidate: invalid parameter"))
    }
}
